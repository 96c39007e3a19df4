// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/memory_exporter.hpp"

#include <utility>

namespace chaostracing {

void ExportedBatches::push(ExportedBatch batch) {
  std::lock_guard lock(mu_);
  batches_.push_back(std::move(batch));
}

std::vector<ExportedBatch> ExportedBatches::take() {
  std::lock_guard lock(mu_);
  return std::exchange(batches_, {});
}

MemoryExporter::MemoryExporter(std::shared_ptr<ExportedBatches> sink, bool fail)
    : sink_(std::move(sink)), fail_(fail) {}

ExportResult MemoryExporter::export_batch(std::span<const SpanData> spans, const Resource& resource,
                                          const Scope& scope,
                                          std::chrono::steady_clock::time_point) noexcept {
  try {
    sink_->push(ExportedBatch{{spans.begin(), spans.end()}, resource, scope});
  } catch (const std::exception& e) {
    set_last_error(std::string("memory exporter: ") + e.what());
    return ExportResult::kFailure;
  }
  if (fail_) {
    set_last_error("memory exporter configured to fail");
    return ExportResult::kFailure;
  }
  return ExportResult::kSuccess;
}

std::string MemoryExporter::describe() const { return "memory"; }

}  // namespace chaostracing
