// SPDX-License-Identifier: Apache-2.0
// Progress is tracked with three monotonic counters under one mutex: `accepted` (spans queued
// so far), `taken` (spans the worker removed from the queue) and `resolved` (spans whose
// export_batch() returned). Spans leave the queue in order, so "everything accepted before
// force_flush() was exported" is simply `resolved >= accepted-at-call-time`.
#include "chaostracing/batch_processor.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <stdexcept>
#include <utility>
#include <vector>

namespace chaostracing {
namespace detail {

using Clock = std::chrono::steady_clock;

struct BatchState {
  BatchState(std::unique_ptr<Exporter> e, Resource r, Scope s, BatchOptions o)
      : exporter(std::move(e)), resource(std::move(r)), scope(std::move(s)), options(o) {}

  // Immutable after construction; the exporter is used only by the worker (plus its
  // thread-safe cancel/describe/last_error).
  const std::unique_ptr<Exporter> exporter;
  const Resource resource;
  const Scope scope;
  const BatchOptions options;

  std::mutex mu;
  std::condition_variable work_cv;  // worker waits: spans, flush, stop
  std::condition_variable done_cv;  // callers wait: progress, exit
  std::deque<SpanData> queue;
  Clock::time_point batch_due{};  // when the oldest queued span must be exported
  std::uint64_t accepted = 0;
  std::uint64_t taken = 0;
  std::uint64_t resolved = 0;
  std::uint64_t flush_target = 0;
  bool stop = false;
  Clock::time_point stop_deadline = Clock::time_point::max();
  bool exited = false;

  std::atomic<std::uint64_t> queued_count{0};
  std::atomic<std::uint64_t> exported_count{0};
  std::atomic<std::uint64_t> failed_count{0};
  std::atomic<std::uint64_t> dropped_count{0};
};

namespace {

void run_worker(const std::shared_ptr<BatchState>& s) noexcept {
  const std::size_t max_batch = s->options.max_export_batch_size;
  std::vector<SpanData> batch;
  std::unique_lock lock(s->mu);
  for (;;) {
    // Wait until a batch is due: full, flushed, stopping, or its delay expired.
    for (;;) {
      if (s->stop || s->flush_target > s->taken || s->queue.size() >= max_batch) break;
      if (s->queue.empty()) {
        s->work_cv.wait(lock);
      } else if (Clock::now() >= s->batch_due) {
        break;
      } else {
        s->work_cv.wait_until(lock, s->batch_due);
      }
    }
    if (s->queue.empty()) {
      if (s->stop) break;
      continue;
    }
    const auto now = Clock::now();
    if (s->stop && now >= s->stop_deadline) {
      // Out of time: what is left is dropped, and counted.
      s->dropped_count.fetch_add(s->queue.size(), std::memory_order_relaxed);
      s->taken += s->queue.size();
      s->queue.clear();
      break;
    }
    const std::size_t n = std::min(s->queue.size(), max_batch);
    try {
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(s->queue.front()));
        s->queue.pop_front();
      }
    } catch (...) {
      // Only reserve() can throw here, before anything moved; drop the batch rather than die.
      s->dropped_count.fetch_add(n, std::memory_order_relaxed);
      s->queue.erase(s->queue.begin(), s->queue.begin() + static_cast<std::ptrdiff_t>(n));
      s->taken += n;
      s->resolved += n;
      s->done_cv.notify_all();
      continue;
    }
    s->taken += n;
    if (!s->queue.empty()) s->batch_due = now + s->options.schedule_delay;
    auto deadline = now + s->options.export_timeout;
    if (s->stop) deadline = std::min(deadline, s->stop_deadline);

    lock.unlock();
    const ExportResult result = s->exporter->export_batch(batch, s->resource, s->scope, deadline);
    batch.clear();
    lock.lock();

    (result == ExportResult::kSuccess ? s->exported_count : s->failed_count)
        .fetch_add(n, std::memory_order_relaxed);
    s->resolved += n;
    s->done_cv.notify_all();
  }
  lock.unlock();
  s->exporter->shutdown();
  lock.lock();
  s->exited = true;
  s->done_cv.notify_all();
}

}  // namespace
}  // namespace detail

BatchProcessor::BatchProcessor(std::unique_ptr<Exporter> exporter, Resource resource, Scope scope,
                               BatchOptions options) {
  if (!exporter) throw std::invalid_argument("BatchProcessor needs an exporter");
  if (options.max_queue_size == 0 || options.max_export_batch_size == 0) {
    throw std::invalid_argument("max_queue_size and max_export_batch_size must be positive");
  }
  options.max_export_batch_size = std::min(options.max_export_batch_size, options.max_queue_size);
  state_ = std::make_shared<detail::BatchState>(std::move(exporter), std::move(resource),
                                                std::move(scope), options);
  // The thread owns a reference to the state, so detaching it after a timed-out shutdown
  // cannot leave it touching freed memory.
  worker_ = std::thread([state = state_] { detail::run_worker(state); });
}

BatchProcessor::~BatchProcessor() {
  {
    std::lock_guard guard(shutdown_mu_);
    if (phase_ == Phase::kDone) return;
  }
  const auto now = std::chrono::steady_clock::now();
  state_->exporter->cancel();
  shutdown_until(now, now + kDestructorGrace);
  // A concurrent shutdown() cannot outlive the object, so the worker is ours to release.
  if (worker_.joinable()) worker_.detach();
}

void BatchProcessor::on_end(SpanData&& span) noexcept {
  detail::BatchState& s = *state_;
  bool wake = false;
  {
    std::lock_guard lock(s.mu);
    if (s.stop || s.queue.size() >= s.options.max_queue_size) {
      s.dropped_count.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    try {
      s.queue.push_back(std::move(span));
    } catch (...) {
      s.dropped_count.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    ++s.accepted;
    s.queued_count.fetch_add(1, std::memory_order_relaxed);
    if (s.queue.size() == 1) {
      s.batch_due = std::chrono::steady_clock::now() + s.options.schedule_delay;
      wake = true;
    }
    wake = wake || s.queue.size() == s.options.max_export_batch_size;
  }
  // Only the transitions the worker waits for: first span (to arm the delay) and full batch.
  if (wake) s.work_cv.notify_one();
}

bool BatchProcessor::force_flush(std::chrono::milliseconds timeout) noexcept {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  detail::BatchState& s = *state_;
  std::unique_lock lock(s.mu);
  const std::uint64_t target = s.accepted;
  if (s.resolved >= target) return true;
  if (!s.stop) {
    s.flush_target = std::max(s.flush_target, target);
    s.work_cv.notify_one();
  }
  s.done_cv.wait_until(lock, deadline, [&] { return s.resolved >= target || s.exited; });
  return s.resolved >= target;
}

bool BatchProcessor::shutdown(std::chrono::milliseconds timeout) noexcept {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  return shutdown_until(deadline, deadline);
}

bool BatchProcessor::shutdown_until(std::chrono::steady_clock::time_point drain_deadline,
                                    std::chrono::steady_clock::time_point wait_deadline) noexcept {
  {
    std::unique_lock guard(shutdown_mu_);
    if (phase_ == Phase::kShuttingDown) {
      shutdown_cv_.wait_until(guard, wait_deadline, [&] { return phase_ == Phase::kDone; });
    }
    if (phase_ == Phase::kDone) return shutdown_result_;
    if (phase_ == Phase::kShuttingDown) return false;
    phase_ = Phase::kShuttingDown;
  }

  detail::BatchState& s = *state_;
  bool exited = false;
  bool complete = false;
  {
    std::unique_lock lock(s.mu);
    s.stop = true;
    s.stop_deadline = drain_deadline;
    s.work_cv.notify_one();
    exited = s.done_cv.wait_until(lock, wait_deadline, [&] { return s.exited; });
    complete = s.resolved == s.accepted;
  }
  if (exited) {
    worker_.join();
  } else {
    // The exporter is stuck: abort its transfer and let the worker finish on its own time.
    s.exporter->cancel();
    worker_.detach();
  }
  std::lock_guard guard(shutdown_mu_);
  shutdown_result_ = exited && complete;
  phase_ = Phase::kDone;
  shutdown_cv_.notify_all();
  return shutdown_result_;
}

BatchStats BatchProcessor::stats() const noexcept {
  const detail::BatchState& s = *state_;
  return BatchStats{
      .queued = s.queued_count.load(std::memory_order_relaxed),
      .exported = s.exported_count.load(std::memory_order_relaxed),
      .failed = s.failed_count.load(std::memory_order_relaxed),
      .dropped = s.dropped_count.load(std::memory_order_relaxed),
  };
}

std::string BatchProcessor::last_error() const { return state_->exporter->last_error(); }

std::string BatchProcessor::describe() const { return state_->exporter->describe(); }

}  // namespace chaostracing
