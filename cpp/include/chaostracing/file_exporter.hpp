// SPDX-License-Identifier: Apache-2.0
// FileExporter: appends one OTLP/JSON ExportTraceServiceRequest per batch to a file, as one
// '\n'-terminated line written with a single write(2) on an O_APPEND descriptor, so lines from
// several writers never interleave. The constructor opens (creating with mode 0644, but never
// creating directories) and throws std::system_error naming the path on failure; write errors
// make export_batch() return kFailure with last_error() set.
#pragma once

#include <string>

#include "chaostracing/exporter.hpp"

namespace chaostracing {

class FileExporter final : public Exporter {
 public:
  FileExporter(std::string path, bool truncate);
  ~FileExporter() override;

  ExportResult export_batch(std::span<const SpanData> spans, const Resource& resource,
                            const Scope& scope,
                            std::chrono::steady_clock::time_point deadline) noexcept override;
  void shutdown() noexcept override;
  std::string describe() const override;

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace chaostracing
