// SPDX-License-Identifier: Apache-2.0
// FileExporter: appends one OTLP/JSON ExportTraceServiceRequest per batch to a file, as one
// '\n'-terminated line written with a single write(2) on an O_APPEND descriptor, so lines from
// several writers never interleave. The constructor opens (creating with mode 0644, but never
// creating directories) and throws std::system_error naming the path on failure; write errors
// make export_batch() return kFailure with last_error() set. With `truncate`, the file is
// emptied by the export thread as it starts (start()), not by the caller: freeing the blocks
// of the last run's trace takes ~0.3 ms. Used without an export thread, it is emptied before
// the first write, or at shutdown if nothing was written.
//
// Given a WrittenSpans, it also keeps what it wrote while the file is small: the run's report
// is then made from those spans, not by reading the file back and parsing its JSON at the end
// of the run (most of the report's cost).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chaostracing/exporter.hpp"
#include "chaostracing/memory_exporter.hpp"

namespace chaostracing {

// The batches a FileExporter wrote, oldest first, while they take up to max_bytes in the file
// (what they take in memory is of that order). Thread-safe.
class WrittenSpans {
 public:
  explicit WrittenSpans(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Called after each successful write of `bytes` bytes. Past max_bytes (or out of memory) it
  // keeps nothing more and take() says so.
  void add(std::span<const SpanData> spans, const Resource& resource, const Scope& scope,
           std::size_t bytes) noexcept;
  // What was written since the last take(); nullopt when that is not all of it.
  std::optional<std::vector<ExportedBatch>> take();

 private:
  std::mutex mu_;
  const std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  bool complete_ = true;
  std::vector<ExportedBatch> batches_;
};

class FileExporter final : public Exporter {
 public:
  FileExporter(std::string path, bool truncate, std::shared_ptr<WrittenSpans> written = nullptr);
  ~FileExporter() override;

  ExportResult export_batch(std::span<const SpanData> spans, const Resource& resource,
                            const Scope& scope,
                            std::chrono::steady_clock::time_point deadline) noexcept override;
  void start() noexcept override;
  void shutdown() noexcept override;
  std::string describe() const override;

 private:
  // Empties the file the first time, if asked to; false (last_error() set) if it cannot.
  bool empty_if_asked() noexcept;

  std::string path_;
  int fd_ = -1;
  bool truncate_ = false;
  std::shared_ptr<WrittenSpans> written_;
};

}  // namespace chaostracing
