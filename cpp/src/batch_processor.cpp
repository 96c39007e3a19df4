// SPDX-License-Identifier: Apache-2.0
// Progress is tracked with three monotonic counters under one mutex: `accepted` (spans queued
// so far), `taken` (spans the worker removed from the queue or the overflow) and `resolved`
// (spans exported, spooled or dropped). force_flush() waits for `resolved >= accepted at call
// time`; overflow spans are resolved out of order, so with an overflow it may return as soon
// as that many spans are resolved, which is all the flush promises a caller.
#include "chaostracing/batch_processor.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "chaostracing/clock.hpp"
#include "chaostracing/encode/otlp_proto.hpp"
#include "chaostracing/encode/otlp_proto_decode.hpp"
#include "detail/packed_span.hpp"
#include "detail/slot_ring.hpp"

namespace chaostracing {

std::size_t span_size_bytes(const SpanData& span) noexcept {
  return sizeof(std::string) + detail::packed_size(span);
}

namespace detail {

using Clock = std::chrono::steady_clock;

void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Takes the queue's lock, which its holders keep for nanoseconds (a push) to microseconds (a
// batch's pops): a thread that finds it taken tries again for about that long before sleeping
// in the kernel. Sleeping at once made the producer and the export thread put each other to
// sleep every few hundred spans, a futex round trip (microseconds in a VM) each time — 20 ns
// per span on the producer (bench/README.md, seventh round).
void lock_spinning(std::unique_lock<std::mutex>& lock) {
  constexpr int kSpins = 256;  // 6.5 µs of `pause` on this guest's EPYC
  for (int i = 0; i < kSpins; ++i) {
    if (lock.try_lock()) return;
    cpu_relax();
  }
  lock.lock();
}

// Spooled records replayed per step, between live batches, so old runs never hold up this one
// for long.
constexpr std::size_t kReplayRecordsPerStep = 8;

struct BatchState {
  BatchState(std::unique_ptr<Exporter> e, Resource r, Scope s, BatchOptions o,
             std::shared_ptr<Spool> sp)
      : exporter(std::move(e)),
        resource(std::move(r)),
        scope(std::move(s)),
        options(o),
        spool(std::move(sp)),
        destination(exporter->describe()),
        queue(o.max_queue_size) {}

  // Immutable after construction; the exporter is used only by the worker (plus its
  // thread-safe cancel/describe/last_error); the spool is thread-safe.
  const std::unique_ptr<Exporter> exporter;
  const Resource resource;
  const Scope scope;
  const BatchOptions options;
  const std::shared_ptr<Spool> spool;
  const std::string destination;

  std::mutex mu;
  std::condition_variable work_cv;   // worker waits: spans, flush, stop
  std::condition_variable spill_cv;  // spill thread waits: overflow, stop
  std::condition_variable done_cv;   // callers wait: progress, exit
  SlotRing<std::string> queue;       // spans packed by pack_span()
  std::size_t queue_bytes = 0;
  // Packed spans past the queue's caps, waiting for the spill thread to spool them (only with
  // a spool; up to max_queue_bytes).
  std::vector<std::string> overflow;
  std::size_t overflow_bytes = 0;
  // The batch being exported, until the worker has the result. shutdown() may claim it when
  // the export hangs, and is then the one that spools it.
  // Its first in_flight_size spans are the batch (the rest are storage kept for reuse).
  std::shared_ptr<const std::vector<SpanData>> in_flight;
  std::size_t in_flight_size = 0;
  bool in_flight_claimed = false;
  Clock::time_point batch_due{};  // when the oldest queued span must be exported
  std::uint64_t accepted = 0;
  std::uint64_t taken = 0;
  std::uint64_t resolved = 0;
  std::uint64_t flush_target = 0;
  bool stop = false;
  Clock::time_point stop_deadline = Clock::time_point::max();
  bool exited = false;
  bool spill_exited = false;  // (true from the start without a spool: there is no spill thread)
  // The worker or the spill thread is writing spans to the spool (local disk: quick).
  // shutdown() lets it finish even past its deadline, by at most kSpoolGrace, rather than lose
  // them.
  bool spooling = false;
  bool spilling = false;
  bool replay_pending = true;   // earlier runs may have left records for this destination
  std::string rejection_error;  // the exporter's word on the last batch it rejected
  // `stop`, readable without the lock: a replay step checks it between records.
  std::atomic<bool> stopping{false};

  std::atomic<std::uint64_t> queued_count{0};
  std::atomic<std::uint64_t> exported_count{0};
  std::atomic<std::uint64_t> failed_count{0};
  std::atomic<std::uint64_t> spooled_count{0};
  std::atomic<std::uint64_t> dropped_count{0};
  std::atomic<std::uint64_t> rejected_count{0};
  std::atomic<std::uint64_t> replayed_count{0};
};

namespace {

// span_size_bytes() of a packed span.
std::size_t queued_bytes(const std::string& packed) noexcept {
  return sizeof(std::string) + packed.size();
}

// Every queued span, unpacked, then every overflow span when `with_overflow` (a span that
// does not unpack, which pack_span() never makes, is counted dropped).
std::vector<SpanData> take_all(BatchState& s, bool with_overflow = false) {
  std::vector<SpanData> out;
  out.reserve(s.queue.size() + (with_overflow ? s.overflow.size() : 0));
  const auto add = [&](std::string_view packed) {
    if (!unpack_span(packed, out.emplace_back())) {
      out.pop_back();
      s.dropped_count.fetch_add(1, std::memory_order_relaxed);
    }
  };
  std::string packed;
  while (!s.queue.empty()) {
    s.queue.pop_into(packed);
    add(packed);
    packed.clear();
  }
  s.queue_bytes = 0;
  if (with_overflow) {
    for (const std::string& span : s.overflow) add(span);
    s.overflow.clear();
    s.overflow_bytes = 0;
  }
  return out;
}

// Drops the n oldest queued spans, counting them dropped (when there was no memory to take
// them into a batch or a list).
void drop_queued(BatchState& s, std::size_t n) noexcept {
  s.dropped_count.fetch_add(n, std::memory_order_relaxed);
  std::string dropped;
  for (std::size_t i = 0; i < n; ++i) {
    s.queue_bytes -= std::min(s.queue_bytes, queued_bytes(s.queue.front()));
    s.queue.pop_into(dropped);
    dropped.clear();
  }
}

// Appends spans to the spool in records of max_export_batch_size spans (a record is replayed
// as one export request: the size of a live one), each framed and encoded in place in
// `record` (storage a caller may keep from one call to the next), not yet synced. Returns how
// many spans were written; the others could not be (out of memory, spool full or failing).
std::uint64_t append_records(BatchState& s, std::span<const SpanData> spans, std::string& record,
                             std::uint64_t created_unix_nano) noexcept {
  std::uint64_t written = 0;
  const std::size_t per_record = s.options.max_export_batch_size;
  for (std::size_t at = 0; at < spans.size(); at += per_record) {
    const auto part = spans.subspan(at, std::min(per_record, spans.size() - at));
    try {
      start_spool_record(record, s.destination, static_cast<std::uint32_t>(part.size()),
                         created_unix_nano);
      encode_otlp_proto(part, s.resource, s.scope, record);
      finish_spool_record(record);
      if (s.spool->append_encoded(s.destination, record, SpoolSync::kLater)) written += part.size();
    } catch (...) {  // out of memory, or a record past kSpoolMaxRecordBytes
    }
  }
  return written;
}

// Makes what append_records() wrote durable, and counts `total` spans spooled or dropped.
void sync_and_count(BatchState& s, std::uint64_t total, std::uint64_t written) noexcept {
  // Records whose sync failed may or may not be on disk: counted dropped, the cautious side.
  if (!s.spool->sync()) written = 0;
  s.spooled_count.fetch_add(written, std::memory_order_relaxed);
  s.dropped_count.fetch_add(total - written, std::memory_order_relaxed);
}

// Writes spans to the spool, or counts them dropped. Called without the lock held.
void keep_or_drop(BatchState& s, std::span<const SpanData> spans) noexcept {
  if (spans.empty()) return;
  if (!s.spool) {
    s.dropped_count.fetch_add(spans.size(), std::memory_order_relaxed);
    return;
  }
  std::string record;
  sync_and_count(s, spans.size(), append_records(s, spans, record, now_unix_nano()));
}

// keep_or_drop() from the worker, which holds `lock` on s.mu.
void spool_unlocked(std::unique_lock<std::mutex>& lock, BatchState& s,
                    std::span<const SpanData> spans) noexcept {
  s.spooling = true;
  lock.unlock();
  keep_or_drop(s, spans);
  lock_spinning(lock);
  s.spooling = false;
  s.done_cv.notify_all();
}

// Spools the packed spans (append_records()), unpacked a record's worth at a time, and counts
// each spooled or dropped. `spans` and `record` are storage kept from one spill to the next:
// spans are unpacked and records encoded into memory that is already there. Called without
// the lock.
void spill(BatchState& s, const std::vector<std::string>& packed, std::vector<SpanData>& spans,
           std::string& record) noexcept {
  const std::uint64_t created = now_unix_nano();
  const std::size_t per_record = s.options.max_export_batch_size;
  std::uint64_t written = 0;
  for (std::size_t at = 0; at < packed.size(); at += per_record) {
    const std::size_t chunk = std::min(per_record, packed.size() - at);
    std::size_t count = 0;  // a span that does not unpack is dropped
    try {
      if (spans.size() < chunk) spans.resize(chunk);
      for (std::size_t i = at; i < at + chunk; ++i) {
        if (unpack_span(packed[i], spans[count])) ++count;
      }
    } catch (...) {  // out of memory: what was unpacked still goes
    }
    written += append_records(s, {spans.data(), count}, record, created);
  }
  sync_and_count(s, packed.size(), written);
}

// The spill thread: spools the overflow as it fills, so that spans past the queue's caps wait
// neither for the export thread (busy with a slow backend) nor in memory for long.
void run_spiller(const std::shared_ptr<BatchState>& state) noexcept {
  BatchState* s = state.get();
  std::vector<std::string> packed;
  std::vector<SpanData> spans;
  std::string record;
  std::unique_lock lock(s->mu);
  for (;;) {
    while (s->overflow.empty() && !s->stop) s->spill_cv.wait(lock);
    // Once stopping, on_end() takes no more: this empties the overflow for good.
    if (s->overflow.empty()) break;
    packed.swap(s->overflow);  // producers get the cleared vector of the last spill
    s->overflow_bytes = 0;
    const std::size_t n = packed.size();
    s->taken += n;
    s->spilling = true;
    lock.unlock();
    spill(*s, packed, spans, record);
    packed.clear();
    lock_spinning(lock);
    s->spilling = false;
    s->resolved += n;
    s->done_cv.notify_all();
  }
  s->spill_exited = true;
  s->done_cv.notify_all();
}

// Sends up to kReplayRecordsPerStep spooled records of earlier runs. Called without the lock.
// False when nothing more should be tried for now.
bool replay_step(BatchState& s, Clock::time_point deadline_cap) noexcept {
  // What this run spooled while the backend was away is due too.
  s.spool->seal();
  const ReplayResult result = s.spool->replay(
      s.destination,
      [&](const SpoolRecord& record) {
        if (s.stopping.load(std::memory_order_relaxed)) return DeliveryOutcome::kRetryLater;
        std::optional<std::vector<DecodedBatch>> batches;
        try {
          batches = decode_otlp_proto(record.payload);
        } catch (...) {
          return DeliveryOutcome::kRetryLater;  // out of memory: keep it
        }
        if (!batches) return DeliveryOutcome::kRejected;  // damaged beyond use
        for (const auto& batch : *batches) {
          const auto deadline = std::min(Clock::now() + s.options.export_timeout, deadline_cap);
          const ExportResult r =
              s.exporter->export_batch(batch.spans, batch.resource, batch.scope, deadline);
          if (r == ExportResult::kFailure) return DeliveryOutcome::kRetryLater;
          if (r == ExportResult::kRejected) return DeliveryOutcome::kRejected;
        }
        return DeliveryOutcome::kDelivered;
      },
      kReplayRecordsPerStep);
  s.replayed_count.fetch_add(result.spans_delivered, std::memory_order_relaxed);
  s.rejected_count.fetch_add(result.spans_rejected, std::memory_order_relaxed);
  const std::uint64_t handled = result.records_delivered + result.records_rejected;
  return !result.stopped && !result.busy && handled >= kReplayRecordsPerStep;
}

void run_worker(const std::shared_ptr<BatchState>& state) noexcept {
  BatchState* s = state.get();
  s->exporter->start();
  const std::size_t max_batch = s->options.max_export_batch_size;
  std::shared_ptr<std::vector<SpanData>> batch;
  std::vector<std::string> packed;  // the batch as queued; goes back to the slots for reuse
  std::unique_lock lock(s->mu);
  for (;;) {
    // Replay what earlier runs spooled, between live batches, while the backend answers.
    if (s->spool && s->replay_pending && !s->stop && s->queue.size() < max_batch &&
        s->flush_target <= s->taken) {
      lock.unlock();
      const bool more = replay_step(*s, Clock::time_point::max());
      lock_spinning(lock);
      s->replay_pending = more;
      continue;
    }
    // Wait until a batch is due: full, flushed, stopping, or its delay expired.
    for (;;) {
      // (A flush waits for the spill thread too, which needs nothing from this one.)
      const bool flushing = s->flush_target > s->taken && !s->queue.empty();
      if (s->stop || flushing || s->queue.size() >= max_batch) break;
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
      // Out of time: what is left goes to the spool (or is dropped, and counted).
      std::vector<SpanData> left;
      const std::size_t n = s->queue.size();
      try {
        left = take_all(*s);
      } catch (...) {
        drop_queued(*s, n);
      }
      s->taken += n;
      spool_unlocked(lock, *s, left);
      s->resolved += n;
      s->done_cv.notify_all();
      break;
    }
    const std::size_t n = std::min(s->queue.size(), max_batch);
    try {
      // The batch's spans are kept from one batch to the next (unless shutdown() claimed
      // them), each unpacked over the last; the packed buffers go back to the queue's slots
      // for producers to reuse.
      if (!batch) batch = std::make_shared<std::vector<SpanData>>();
      if (batch->size() < n) batch->resize(n);
      if (packed.size() < n) packed.resize(n);
    } catch (...) {
      // Only the allocations can throw, before anything moved; drop the batch rather than die.
      drop_queued(*s, n);
      s->taken += n;
      s->resolved += n;
      s->done_cv.notify_all();
      continue;
    }
    for (std::size_t i = 0; i < n; ++i) {
      s->queue_bytes -= std::min(s->queue_bytes, queued_bytes(s->queue.front()));
      s->queue.pop_into(packed[i]);
    }
    s->taken += n;
    if (!s->queue.empty()) s->batch_due = now + s->options.schedule_delay;
    auto deadline = now + s->options.export_timeout;
    if (s->stop) deadline = std::min(deadline, s->stop_deadline);

    // Unpacked without the lock, so that producers never wait for it.
    lock.unlock();
    std::size_t unpacked = 0;
    for (std::size_t i = 0; i < n; ++i) {
      SpanData& span = (*batch)[unpacked];
      bool ok = false;
      try {
        ok = unpack_span(packed[i], span);
      } catch (...) {  // out of memory: that span is dropped, and counted
      }
      if (ok) {
        ++unpacked;
      } else {
        span.clear();
      }
      packed[i].clear();
    }
    lock_spinning(lock);
    if (unpacked < n) {
      s->dropped_count.fetch_add(n - unpacked, std::memory_order_relaxed);
      s->resolved += n - unpacked;
      s->done_cv.notify_all();
      if (unpacked == 0) continue;
    }
    s->in_flight = batch;
    s->in_flight_size = unpacked;
    s->in_flight_claimed = false;
    const std::span<const SpanData> spans(batch->data(), unpacked);

    lock.unlock();
    const ExportResult result = s->exporter->export_batch(spans, s->resource, s->scope, deadline);
    lock_spinning(lock);

    const bool claimed = s->in_flight_claimed;
    s->in_flight.reset();
    if (claimed) {
      // shutdown() gave up waiting and spooled this batch itself (and resolved it).
      batch.reset();
      continue;
    }
    if (result == ExportResult::kSuccess) {
      s->exported_count.fetch_add(unpacked, std::memory_order_relaxed);
      // The backend answers: a good moment to deliver what earlier runs could not.
      if (s->spool && !s->stop) s->replay_pending = true;
    } else {
      s->failed_count.fetch_add(unpacked, std::memory_order_relaxed);
      if (result == ExportResult::kRejected) {
        try {
          s->rejection_error = s->exporter->last_error();
        } catch (...) {
        }
        s->dropped_count.fetch_add(unpacked, std::memory_order_relaxed);
        s->rejected_count.fetch_add(unpacked, std::memory_order_relaxed);
      } else {
        spool_unlocked(lock, *s, spans);
      }
    }
    s->resolved += unpacked;
    s->done_cv.notify_all();
    lock.unlock();
    // Cleared, each keeps its storage (up to SpanData::clear()'s bounds) for the next unpack.
    for (SpanData& span : std::span<SpanData>(batch->data(), unpacked)) span.clear();
    lock_spinning(lock);
  }
  lock.unlock();
  s->exporter->shutdown();
  lock_spinning(lock);
  s->exited = true;
  s->done_cv.notify_all();
}

}  // namespace
}  // namespace detail

BatchProcessor::BatchProcessor(std::unique_ptr<Exporter> exporter, Resource resource, Scope scope,
                               BatchOptions options, std::shared_ptr<Spool> spool) {
  if (!exporter) throw std::invalid_argument("BatchProcessor needs an exporter");
  if (options.max_queue_size == 0 || options.max_export_batch_size == 0 ||
      options.max_queue_bytes == 0) {
    throw std::invalid_argument(
        "max_queue_size, max_export_batch_size and max_queue_bytes must be positive");
  }
  options.max_export_batch_size = std::min(options.max_export_batch_size, options.max_queue_size);
  state_ = std::make_shared<detail::BatchState>(std::move(exporter), std::move(resource),
                                                std::move(scope), options, std::move(spool));
  // The threads own a reference to the state, so detaching them after a timed-out shutdown
  // cannot leave them touching freed memory.
  worker_ = std::thread([state = state_] { detail::run_worker(state); });
  if (state_->spool) {
    spiller_ = std::thread([state = state_] { detail::run_spiller(state); });
  } else {
    state_->spill_exited = true;
  }
}

BatchProcessor::~BatchProcessor() {
  {
    std::lock_guard guard(shutdown_mu_);
    if (phase_ == Phase::kDone) return;
  }
  const auto now = std::chrono::steady_clock::now();
  state_->exporter->cancel();
  shutdown_until(now, now + kDestructorGrace);
  // A concurrent shutdown() cannot outlive the object, so the threads are ours to release.
  if (worker_.joinable()) worker_.detach();
  if (spiller_.joinable()) spiller_.detach();
}

void BatchProcessor::on_end(SpanData&& span) noexcept {
  detail::BatchState& s = *state_;
  // Packed on the caller's thread, before taking the lock, into a buffer that the queue's
  // slots exchange from span to span; the caller keeps `span`'s storage for its next span.
  thread_local std::string packed;
  try {
    detail::pack_span(span, packed);
  } catch (...) {
    s.dropped_count.fetch_add(1, std::memory_order_relaxed);
    span.clear();
    return;
  }
  const std::size_t bytes = detail::queued_bytes(packed);
  bool wake = false;
  bool wake_spiller = false;
  {
    std::unique_lock lock(s.mu, std::defer_lock);
    detail::lock_spinning(lock);
    if (s.stop) {
      s.dropped_count.fetch_add(1, std::memory_order_relaxed);
      span.clear();
      return;
    }
    const BatchOptions& o = s.options;
    const bool fits = s.queue.size() < o.max_queue_size &&
                      (s.queue.empty() || s.queue_bytes + bytes <= o.max_queue_bytes);
    try {
      if (fits) {
        s.queue.push(packed);
        s.queue_bytes += bytes;
        if (s.queue.size() == 1) {
          s.batch_due = std::chrono::steady_clock::now() + o.schedule_delay;
          wake = true;
        }
        wake = wake || s.queue.size() == o.max_export_batch_size;
      } else if (s.spool && (s.overflow.empty() || s.overflow_bytes + bytes <= o.max_queue_bytes)) {
        // The buffer goes with the span: this thread's next one allocates a new one.
        s.overflow.push_back(std::move(packed));
        s.overflow_bytes += bytes;
        wake_spiller = s.overflow.size() == 1;
      } else {
        s.dropped_count.fetch_add(1, std::memory_order_relaxed);
        span.clear();
        return;
      }
    } catch (...) {
      s.dropped_count.fetch_add(1, std::memory_order_relaxed);
      span.clear();
      return;
    }
    ++s.accepted;
    s.queued_count.fetch_add(1, std::memory_order_relaxed);
  }
  span.clear();
  // Only the transitions the threads wait for: first span (to arm the delay), full batch,
  // first span of the overflow.
  if (wake) s.work_cv.notify_one();
  if (wake_spiller) s.spill_cv.notify_one();
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
  std::vector<SpanData> left;
  std::shared_ptr<const std::vector<SpanData>> in_flight;
  std::size_t in_flight_size = 0;
  std::size_t n = 0;
  {
    std::unique_lock lock(s.mu);
    s.stop = true;
    s.stopping.store(true, std::memory_order_relaxed);
    s.stop_deadline = drain_deadline;
    s.work_cv.notify_one();
    s.spill_cv.notify_one();
    const auto both_exited = [&] { return s.exited && s.spill_exited; };
    exited = s.done_cv.wait_until(lock, wait_deadline, both_exited);
    if (!exited && (s.spooling || s.spilling)) {
      s.done_cv.wait_until(lock, wait_deadline + kSpoolGrace,
                           [&] { return both_exited() || (!s.spooling && !s.spilling); });
      exited = both_exited();
    }
    complete = s.resolved == s.accepted;
    if (!exited) {
      // The exporter is stuck, or a thread never got its turn: what they still hold is ours
      // to keep now — the queue, the overflow and the batch in flight (should that export
      // succeed after all, the spooled copy is a duplicate, which the stable span ids make
      // recognisable). Taken under the same lock as the wait, so neither thread can take them
      // in between and still be writing them when we return.
      n = s.queue.size() + s.overflow.size();
      try {
        left = detail::take_all(s, /*with_overflow=*/true);
      } catch (...) {
        detail::drop_queued(s, s.queue.size());
        s.dropped_count.fetch_add(s.overflow.size(), std::memory_order_relaxed);
        s.overflow.clear();
        s.overflow_bytes = 0;
      }
      s.taken += n;
      // Without a spool there is nowhere to keep it: the worker counts it when it returns.
      if (s.spool && s.in_flight && !s.in_flight_claimed) {
        in_flight = s.in_flight;
        in_flight_size = s.in_flight_size;
        s.in_flight_claimed = true;
      }
    }
  }
  if (exited) {
    worker_.join();
    if (spiller_.joinable()) spiller_.join();
  } else {
    // Abort the stuck transfer and let the worker finish on its own time.
    s.exporter->cancel();
    detail::keep_or_drop(s, left);
    if (in_flight) detail::keep_or_drop(s, {in_flight->data(), in_flight_size});
    {
      std::lock_guard lock(s.mu);
      s.resolved += n + in_flight_size;
      complete = s.resolved == s.accepted;
      s.done_cv.notify_all();
    }
    // Either may have exited, but detaching is as good as joining then.
    worker_.detach();
    if (spiller_.joinable()) spiller_.detach();
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
      .spooled = s.spooled_count.load(std::memory_order_relaxed),
      .dropped = s.dropped_count.load(std::memory_order_relaxed),
      .rejected = s.rejected_count.load(std::memory_order_relaxed),
      .replayed = s.replayed_count.load(std::memory_order_relaxed),
  };
}

std::string BatchProcessor::last_error() const { return state_->exporter->last_error(); }

std::string BatchProcessor::describe() const { return state_->exporter->describe(); }

std::string BatchProcessor::rejection_error() const {
  std::lock_guard lock(state_->mu);
  return state_->rejection_error;
}

std::string BatchProcessor::spool_error() const {
  return state_->spool ? state_->spool->last_error() : std::string();
}

}  // namespace chaostracing
