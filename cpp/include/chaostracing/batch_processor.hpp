// SPDX-License-Identifier: Apache-2.0
// BatchProcessor: a bounded queue of finished spans and one export thread that hands batches
// to the owned Exporter. on_end() is thread-safe and never blocks on I/O: when the queue is
// full the span is dropped and counted. force_flush() and shutdown() are thread-safe and never
// wait past their timeout, even when the exporter hangs (the worker is then cancelled and
// detached; its state is shared with it, so that is safe). The constructor throws
// std::invalid_argument for a null exporter or zero sizes; nothing else throws.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "chaostracing/exporter.hpp"
#include "chaostracing/span.hpp"

namespace chaostracing {

namespace detail {
struct BatchState;
}  // namespace detail

struct BatchOptions {
  std::size_t max_queue_size = 2048;
  // Clamped to max_queue_size.
  std::size_t max_export_batch_size = 512;
  // How long a partial batch may wait before it is exported.
  std::chrono::milliseconds schedule_delay{1000};
  // Upper bound for one export_batch() call.
  std::chrono::milliseconds export_timeout{10000};
};

struct BatchStats {
  std::uint64_t queued = 0;    // accepted by on_end()
  std::uint64_t exported = 0;  // in batches the exporter reported as successful
  std::uint64_t failed = 0;    // in batches the exporter reported as failed
  std::uint64_t dropped = 0;   // queue full, ended after shutdown, or not exported in time
};

class BatchProcessor {
 public:
  BatchProcessor(std::unique_ptr<Exporter> exporter, Resource resource, Scope scope,
                 BatchOptions options = {});
  BatchProcessor(const BatchProcessor&) = delete;
  BatchProcessor& operator=(const BatchProcessor&) = delete;
  // Best effort, never hangs: drops what is still queued, cancels an in-flight export and
  // waits at most kDestructorGrace for the worker. Call shutdown() first to deliver spans.
  ~BatchProcessor();

  static constexpr std::chrono::milliseconds kDestructorGrace{200};

  void on_end(SpanData&& span) noexcept;

  // True when every span accepted before the call has been through export_batch() (whatever
  // its result) within `timeout`.
  bool force_flush(std::chrono::milliseconds timeout) noexcept;

  // Exports what is queued within `timeout`, then stops the worker and shuts the exporter
  // down. True when everything accepted was exported (or failed) and the worker stopped in
  // time. Idempotent: later calls return the first call's result.
  bool shutdown(std::chrono::milliseconds timeout) noexcept;

  BatchStats stats() const noexcept;
  std::string last_error() const;
  std::string describe() const;

 private:
  bool shutdown_until(std::chrono::steady_clock::time_point drain_deadline,
                      std::chrono::steady_clock::time_point wait_deadline) noexcept;

  enum class Phase { kRunning, kShuttingDown, kDone };

  std::shared_ptr<detail::BatchState> state_;
  std::thread worker_;
  // Serialises shutdown() callers. A plain mutex plus a phase, not std::timed_mutex: a second
  // caller must wait with its own deadline, and TSan mis-tracks pthread_mutex_clocklock.
  std::mutex shutdown_mu_;
  std::condition_variable shutdown_cv_;
  Phase phase_ = Phase::kRunning;
  bool shutdown_result_ = false;
};

}  // namespace chaostracing
