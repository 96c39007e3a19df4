// SPDX-License-Identifier: Apache-2.0
// FakeExporter: records batches in a shared FakeExporterLog; can be told to fail, or to block
// inside export_batch() until released or cancelled (to test shutdown with a stuck exporter).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "chaostracing/exporter.hpp"

namespace chaostracing::testing {

struct FakeExporterLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<SpanData>> batches;
  bool fail = false;
  bool reject = false;     // answer kRejected (the backend refuses the batch for good)
  bool block = false;      // export_batch() waits while true
  bool blocked = false;    // an export is currently waiting
  bool cancelled = false;  // cancel() was called
  bool shut_down = false;

  void release() {
    std::lock_guard lock(mu);
    block = false;
    cv.notify_all();
  }

  // Waits (without a timeout: ctest's TIMEOUT bounds it) until an export is blocked.
  void wait_until_blocked() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return blocked; });
  }

  std::size_t span_count() {
    std::lock_guard lock(mu);
    std::size_t n = 0;
    for (const auto& b : batches) n += b.size();
    return n;
  }
};

class FakeExporter final : public Exporter {
 public:
  explicit FakeExporter(std::shared_ptr<FakeExporterLog> log) : log_(std::move(log)) {}

  ExportResult export_batch(std::span<const SpanData> spans, const Resource&, const Scope&,
                            std::chrono::steady_clock::time_point) noexcept override {
    std::unique_lock lock(log_->mu);
    log_->batches.emplace_back(spans.begin(), spans.end());
    if (log_->block) {
      log_->blocked = true;
      log_->cv.notify_all();
      log_->cv.wait(lock, [&] { return !log_->block || log_->cancelled; });
      log_->blocked = false;
    }
    if (log_->reject) {
      lock.unlock();
      set_last_error("fake rejection");
      return ExportResult::kRejected;
    }
    if (log_->fail || log_->cancelled) {
      lock.unlock();
      set_last_error("fake failure");
      return ExportResult::kFailure;
    }
    return ExportResult::kSuccess;
  }

  void cancel() noexcept override {
    std::lock_guard lock(log_->mu);
    log_->cancelled = true;
    log_->cv.notify_all();
  }

  void shutdown() noexcept override {
    std::lock_guard lock(log_->mu);
    log_->shut_down = true;
  }

  std::string describe() const override { return "fake"; }

 private:
  std::shared_ptr<FakeExporterLog> log_;
};

inline SpanData make_span(std::string name, SpanId id = 1) {
  SpanData span;
  span.trace_id = TraceId{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  span.span_id = id;
  span.name = std::move(name);
  span.start_time_unix_nano = 1000;
  span.end_time_unix_nano = 2000;
  return span;
}

}  // namespace chaostracing::testing
