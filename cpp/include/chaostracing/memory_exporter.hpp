// SPDX-License-Identifier: Apache-2.0
// MemoryExporter: keeps every exported batch in an ExportedBatches buffer shared with the
// caller, for tests (C++ and, through the bindings, Python). ExportedBatches is thread-safe.
// When built with fail=true every export fails (and the batch is still recorded), to exercise
// failure accounting.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "chaostracing/exporter.hpp"

namespace chaostracing {

struct ExportedBatch {
  std::vector<SpanData> spans;
  Resource resource;
  Scope scope;
};

class ExportedBatches {
 public:
  void push(ExportedBatch batch);
  // Returns and forgets everything recorded so far, oldest first.
  std::vector<ExportedBatch> take();

 private:
  std::mutex mu_;
  std::vector<ExportedBatch> batches_;
};

class MemoryExporter final : public Exporter {
 public:
  explicit MemoryExporter(std::shared_ptr<ExportedBatches> sink, bool fail = false);

  ExportResult export_batch(std::span<const SpanData> spans, const Resource& resource,
                            const Scope& scope,
                            std::chrono::steady_clock::time_point deadline) noexcept override;
  std::string describe() const override;

 private:
  std::shared_ptr<ExportedBatches> sink_;
  bool fail_;
};

}  // namespace chaostracing
