// SPDX-License-Identifier: Apache-2.0
// BatchProcessor: a bounded queue of finished spans and one export thread that hands batches
// to the owned Exporter. Given a Spool, nothing is lost silently: a batch whose export failed
// (after the transport's retries), spans past the queue's caps and spans still queued at the
// shutdown deadline are written to the spool, and the export thread replays what earlier runs
// spooled for the same destination. on_end() is thread-safe and never blocks on I/O (spans
// past the queue's caps wait in an overflow of up to max_queue_bytes, which a spill thread of
// its own writes to the spool as it fills, whatever the export thread is waiting for).
// force_flush() and shutdown() are thread-safe and never wait past their timeout, even when the
// exporter hangs (the worker is then cancelled and detached, and the caller spools what it held).
// The constructor throws std::invalid_argument for a null exporter or zero sizes; nothing else
// throws.
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
#include "chaostracing/spool.hpp"

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
  // Estimated bytes (span_size_bytes()) the queue may hold, besides max_queue_size spans; and,
  // with a spool, what its overflow may hold on the way to the spool.
  std::size_t max_queue_bytes = 32u << 20;
};

// What a span costs in memory while queued: its packed bytes and its slot in the queue.
std::size_t span_size_bytes(const SpanData& span) noexcept;

// Every span given to on_end() ends up exported, spooled or dropped, exactly once.
struct BatchStats {
  std::uint64_t queued = 0;    // accepted by on_end() (into the queue or its overflow)
  std::uint64_t exported = 0;  // in batches the exporter reported as successful
  std::uint64_t failed = 0;    // in batches whose export failed or was rejected
  std::uint64_t spooled = 0;   // written to the spool for later delivery
  // Lost: rejected by the backend, ended after shutdown, or past the caps / not exported in
  // time with no spool (or a spool that could not take them).
  std::uint64_t dropped = 0;
  std::uint64_t rejected = 0;  // the part of `dropped` the backend refused (HTTP 4xx)
  std::uint64_t replayed = 0;  // spooled by earlier runs, delivered by this processor
};

class BatchProcessor {
 public:
  // The spool, when given, is keyed by exporter->describe().
  BatchProcessor(std::unique_ptr<Exporter> exporter, Resource resource, Scope scope,
                 BatchOptions options = {}, std::shared_ptr<Spool> spool = nullptr);
  BatchProcessor(const BatchProcessor&) = delete;
  BatchProcessor& operator=(const BatchProcessor&) = delete;
  // Best effort, never hangs: spools (or drops) what is still queued, cancels an in-flight
  // export and waits at most kDestructorGrace for the worker. Call shutdown() first.
  ~BatchProcessor();

  static constexpr std::chrono::milliseconds kDestructorGrace{200};
  // How long shutdown() may overrun its timeout to let the worker finish writing spans to the
  // spool (local disk) rather than lose them.
  static constexpr std::chrono::milliseconds kSpoolGrace{2000};

  // The span is queued packed into one buffer (detail/packed_span.hpp), and `span` is left
  // cleared (equal to SpanData{}) with its own storage: a caller that fills it again for its
  // next span allocates nothing for the name or the attribute list.
  void on_end(SpanData&& span) noexcept;

  // True when every span accepted before the call has been exported, spooled or dropped
  // (after export_batch(), whatever its result) within `timeout`.
  bool force_flush(std::chrono::milliseconds timeout) noexcept;

  // Exports what is queued within `timeout`, spools what is left (taking at most kSpoolGrace
  // more), then stops the worker and shuts the exporter down. True when everything accepted was
  // exported, spooled or dropped and the worker stopped in time. Idempotent: later calls return the
  // first call's result.
  bool shutdown(std::chrono::milliseconds timeout) noexcept;

  BatchStats stats() const noexcept;
  std::string last_error() const;
  std::string describe() const;
  // Why the backend refused the last batch it rejected ("" if none).
  std::string rejection_error() const;
  // The spool's last failure ("" without a spool or before any).
  std::string spool_error() const;

 private:
  bool shutdown_until(std::chrono::steady_clock::time_point drain_deadline,
                      std::chrono::steady_clock::time_point wait_deadline) noexcept;

  enum class Phase { kRunning, kShuttingDown, kDone };

  std::shared_ptr<detail::BatchState> state_;
  std::thread worker_;
  std::thread spiller_;  // only with a spool
  // Serialises shutdown() callers. A plain mutex plus a phase, not std::timed_mutex: a second
  // caller must wait with its own deadline, and TSan mis-tracks pthread_mutex_clocklock.
  std::mutex shutdown_mu_;
  std::condition_variable shutdown_cv_;
  Phase phase_ = Phase::kRunning;
  bool shutdown_result_ = false;
};

}  // namespace chaostracing
