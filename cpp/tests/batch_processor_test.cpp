// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/batch_processor.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "chaostracing/encode/otlp_proto_decode.hpp"
#include "fakes/fake_exporter.hpp"
#include "fakes/temp_dir.hpp"

namespace chaostracing {
namespace {

using std::chrono::milliseconds;
using testing::FakeExporter;
using testing::FakeExporterLog;
using testing::make_span;
using testing::TempDir;

// A schedule delay no test waits for: batches only leave through size, flush or shutdown.
constexpr milliseconds kNever{3600 * 1000};

struct Fixture {
  explicit Fixture(BatchOptions options = {.max_queue_size = 2048,
                                           .max_export_batch_size = 512,
                                           .schedule_delay = kNever,
                                           .export_timeout = milliseconds(10000)})
      : log(std::make_shared<FakeExporterLog>()),
        processor(std::make_unique<FakeExporter>(log), Resource{}, Scope{"test", ""}, options) {}

  std::shared_ptr<FakeExporterLog> log;
  BatchProcessor processor;
};

TEST(BatchProcessor, ForceFlushExportsEverythingQueued) {
  Fixture f;
  for (SpanId i = 1; i <= 10; ++i) f.processor.on_end(make_span("s", i));
  EXPECT_TRUE(f.processor.force_flush(milliseconds(10000)));
  EXPECT_EQ(f.log->span_count(), 10u);
  const auto stats = f.processor.stats();
  EXPECT_EQ(stats.queued, 10u);
  EXPECT_EQ(stats.exported, 10u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.dropped, 0u);
  // Order is preserved.
  EXPECT_EQ(f.log->batches.front().front().span_id, 1u);
}

TEST(BatchProcessor, ForceFlushWithNothingQueuedReturnsTrue) {
  Fixture f;
  EXPECT_TRUE(f.processor.force_flush(milliseconds(0)));
}

TEST(BatchProcessor, SplitsIntoBatchesOfMaxExportBatchSize) {
  Fixture f({.max_queue_size = 100, .max_export_batch_size = 4, .schedule_delay = kNever});
  for (SpanId i = 1; i <= 10; ++i) f.processor.on_end(make_span("s", i));
  ASSERT_TRUE(f.processor.force_flush(milliseconds(10000)));
  ASSERT_EQ(f.log->span_count(), 10u);
  for (const auto& batch : f.log->batches) EXPECT_LE(batch.size(), 4u);
}

TEST(BatchProcessor, FullBatchIsExportedWithoutFlush) {
  Fixture f({.max_queue_size = 100, .max_export_batch_size = 2, .schedule_delay = kNever});
  f.log->block = true;  // so we can observe the export starting without sleeping
  f.processor.on_end(make_span("a", 1));
  f.processor.on_end(make_span("b", 2));
  f.log->wait_until_blocked();
  EXPECT_EQ(f.log->batches.size(), 1u);
  f.log->release();
  EXPECT_TRUE(f.processor.shutdown(milliseconds(10000)));
}

TEST(BatchProcessor, ScheduleDelayExportsPartialBatch) {
  Fixture f(
      {.max_queue_size = 100, .max_export_batch_size = 50, .schedule_delay = milliseconds(1)});
  f.log->block = true;
  f.processor.on_end(make_span("a", 1));
  f.log->wait_until_blocked();  // reached without any flush: the delay fired
  f.log->release();
  EXPECT_TRUE(f.processor.shutdown(milliseconds(10000)));
  EXPECT_EQ(f.processor.stats().exported, 1u);
}

TEST(BatchProcessor, DropsSpanAndCountsWhenQueueFull) {
  Fixture f({.max_queue_size = 4, .max_export_batch_size = 4, .schedule_delay = kNever});
  f.log->block = true;
  for (SpanId i = 1; i <= 4; ++i) f.processor.on_end(make_span("s", i));
  f.log->wait_until_blocked();  // the worker holds those 4; the queue is empty again
  for (SpanId i = 5; i <= 12; ++i) f.processor.on_end(make_span("s", i));
  auto stats = f.processor.stats();
  EXPECT_EQ(stats.queued, 8u);
  EXPECT_EQ(stats.dropped, 4u);
  f.log->release();
  EXPECT_TRUE(f.processor.force_flush(milliseconds(10000)));
  stats = f.processor.stats();
  EXPECT_EQ(stats.exported, 8u);
  EXPECT_EQ(stats.dropped, 4u);
}

TEST(BatchProcessor, FailedExportsAreCountedAndLastErrorKept) {
  Fixture f;
  f.log->fail = true;
  f.processor.on_end(make_span("s"));
  EXPECT_TRUE(f.processor.force_flush(milliseconds(10000)));
  EXPECT_EQ(f.processor.stats().failed, 1u);
  EXPECT_EQ(f.processor.last_error(), "fake failure");
  EXPECT_EQ(f.processor.describe(), "fake");
}

TEST(BatchProcessor, ShutdownFlushesThenDropsLateSpans) {
  Fixture f;
  for (SpanId i = 1; i <= 3; ++i) f.processor.on_end(make_span("s", i));
  EXPECT_TRUE(f.processor.shutdown(milliseconds(10000)));
  EXPECT_EQ(f.log->span_count(), 3u);
  EXPECT_TRUE(f.log->shut_down);
  f.processor.on_end(make_span("late"));
  EXPECT_EQ(f.processor.stats().dropped, 1u);
  EXPECT_TRUE(f.processor.shutdown(milliseconds(0)));  // idempotent
}

TEST(BatchProcessor, ShutdownWithStuckExporterReturnsWithinTimeout) {
  auto log = std::make_shared<FakeExporterLog>();
  log->block = true;
  auto processor = std::make_unique<BatchProcessor>(
      std::make_unique<FakeExporter>(log), Resource{}, Scope{},
      BatchOptions{.max_queue_size = 10, .max_export_batch_size = 1, .schedule_delay = kNever});
  processor->on_end(make_span("stuck", 1));
  processor->on_end(make_span("queued", 2));
  log->wait_until_blocked();

  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(processor->shutdown(milliseconds(50)));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(5));  // generous: the point is "does not hang"
  {
    std::lock_guard lock(log->mu);
    EXPECT_TRUE(log->cancelled);  // the stuck export was told to abort
  }
  // No spool: the queued span is dropped and counted by shutdown() itself (the stuck one is
  // the worker's to count whenever its export returns).
  const auto stats = processor->stats();
  EXPECT_GE(stats.dropped, 1u);
  EXPECT_EQ(stats.exported + stats.spooled, 0u);
  // Destroying the processor while the detached worker may still run must be safe.
  processor.reset();
  log->release();
}

TEST(BatchProcessor, DestructorDoesNotHangOnStuckExporter) {
  auto log = std::make_shared<FakeExporterLog>();
  log->block = true;
  {
    BatchProcessor processor(
        std::make_unique<FakeExporter>(log), Resource{}, Scope{},
        BatchOptions{.max_queue_size = 10, .max_export_batch_size = 1, .schedule_delay = kNever});
    processor.on_end(make_span("stuck"));
    log->wait_until_blocked();
  }
  std::lock_guard lock(log->mu);
  EXPECT_TRUE(log->cancelled);
}

TEST(BatchProcessor, ConcurrentProducersAreAllAccounted) {
  Fixture f({.max_queue_size = 100000, .max_export_batch_size = 64, .schedule_delay = kNever});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) f.processor.on_end(make_span("s"));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(f.processor.shutdown(milliseconds(30000)));
  const auto stats = f.processor.stats();
  EXPECT_EQ(stats.queued, 4000u);
  EXPECT_EQ(stats.exported, 4000u);
  EXPECT_EQ(f.log->span_count(), 4000u);
}

// The queue is a ring that grows while spans arrive faster than batches leave, and wraps
// around as they do: every span must still come out once, in the order it went in.
TEST(BatchProcessor, SpansLeaveInOrderAcrossTheQueueGrowingAndWrappingAround) {
  Fixture f({.max_queue_size = 100, .max_export_batch_size = 7, .schedule_delay = kNever});
  SpanId next = 1;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 13 + 17 * round; ++i) f.processor.on_end(make_span("s", next++));
    ASSERT_TRUE(f.processor.force_flush(milliseconds(10000)));
  }
  std::vector<SpanId> ids;
  for (const auto& batch : f.log->batches) {
    for (const auto& span : batch) ids.push_back(span.span_id);
  }
  ASSERT_EQ(ids.size(), next - 1);
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], i + 1);
  EXPECT_EQ(f.processor.stats().dropped, 0u);
}

// on_end() queues the span packed and leaves the caller's span cleared with its own storage
// (see SpanData::clear()), so a caller that fills the same object again allocates nothing for
// its name, its attribute list or its attributes' values; what was exported is a copy, intact.
TEST(BatchProcessor, OnEndLeavesTheSpanClearedWithItsStorage) {
  Fixture f({.max_queue_size = 4, .max_export_batch_size = 4, .schedule_delay = kNever});
  const std::string long_name(100, 'n');
  const std::string long_value(40, 'v');
  SpanData span;
  for (SpanId i = 1; i <= 8; ++i) {
    span.name = long_name;
    span.span_id = i;
    span.set_attribute("chaostoolkit.activity.name", long_value);
    const char* name_storage = span.name.data();
    const Attribute* attribute_storage = span.attributes.data();
    const char* value_storage = std::get<std::string>(span.attributes[0].value).data();
    f.processor.on_end(std::move(span));
    EXPECT_EQ(span, SpanData{});                // NOLINT(bugprone-use-after-move): documented
    EXPECT_EQ(span.name.data(), name_storage);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(span.attributes.data(), attribute_storage);
    ASSERT_EQ(span.attributes.kept(), 1u);
    EXPECT_EQ(std::get<std::string>(span.attributes.data()->value).data(), value_storage);
    ASSERT_TRUE(f.processor.force_flush(milliseconds(10000)));
  }
  ASSERT_EQ(f.log->span_count(), 8u);
  for (const auto& batch : f.log->batches) {
    for (const SpanData& exported : batch) {
      EXPECT_EQ(exported.name, long_name);
      ASSERT_EQ(exported.attributes.size(), 1u);
      EXPECT_EQ(exported.attributes[0].value, AttributeValue(long_value));
    }
  }
}

TEST(BatchProcessor, RejectsNullExporterAndZeroSizes) {
  EXPECT_THROW(BatchProcessor(nullptr, Resource{}, Scope{}), std::invalid_argument);
  auto log = std::make_shared<FakeExporterLog>();
  EXPECT_THROW(BatchProcessor(std::make_unique<FakeExporter>(log), Resource{}, Scope{},
                              BatchOptions{.max_queue_size = 0}),
               std::invalid_argument);
}

// --- Delivery guarantees: with a spool, every span is exported, spooled or dropped (counted),
// and what was spooled comes back through the next processor for the same destination.

struct SpoolFixture {
  explicit SpoolFixture(const std::filesystem::path& dir,
                        BatchOptions options = {.max_queue_size = 2048,
                                                .max_export_batch_size = 512,
                                                .schedule_delay = kNever,
                                                .export_timeout = milliseconds(10000)})
      : log(std::make_shared<FakeExporterLog>()),
        spool(std::make_shared<Spool>(SpoolOptions{.directory = dir})),
        processor(std::make_unique<FakeExporter>(log), Resource{}, Scope{"test", ""}, options,
                  spool) {}

  std::shared_ptr<FakeExporterLog> log;
  std::shared_ptr<Spool> spool;
  BatchProcessor processor;
};

std::vector<SpanId> spooled_ids(const std::filesystem::path& dir) {
  std::vector<SpanId> ids;
  for (const auto& record : Spool({.directory = dir}).pending()) {
    EXPECT_EQ(record.destination, "fake");
    const auto batches = decode_otlp_proto(record.payload);
    EXPECT_TRUE(batches.has_value());
    for (const auto& b : *batches) {
      for (const auto& span : b.spans) ids.push_back(span.span_id);
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<SpanId> range(SpanId from, SpanId to) {
  std::vector<SpanId> ids;
  for (SpanId i = from; i <= to; ++i) ids.push_back(i);
  return ids;
}

TEST(BatchProcessor, FailedBatchesAreSpooledAndTheNextProcessorDeliversThem) {
  TempDir tmp;
  {
    SpoolFixture f(tmp.path());
    f.log->fail = true;
    for (SpanId i = 1; i <= 5; ++i) f.processor.on_end(make_span("s", i));
    EXPECT_TRUE(f.processor.shutdown(milliseconds(10000)));
    const auto stats = f.processor.stats();
    EXPECT_EQ(stats.failed, 5u);
    EXPECT_EQ(stats.spooled, 5u);
    EXPECT_EQ(stats.dropped, 0u);
  }
  EXPECT_EQ(spooled_ids(tmp.path()), range(1, 5));
  // The next run, backend healthy: its export thread replays on its own, before any span.
  SpoolFixture next(tmp.path());
  // Polls a condition (bounded by ctest's TIMEOUT), not a fixed wait.
  while (next.processor.stats().replayed < 5) std::this_thread::yield();
  next.processor.on_end(make_span("new", 6));
  EXPECT_TRUE(next.processor.shutdown(milliseconds(10000)));
  const auto stats = next.processor.stats();
  EXPECT_EQ(stats.replayed, 5u);
  EXPECT_EQ(stats.exported, 1u);
  std::vector<SpanId> delivered;
  for (const auto& batch : next.log->batches) {
    for (const auto& span : batch) delivered.push_back(span.span_id);
  }
  std::sort(delivered.begin(), delivered.end());
  EXPECT_EQ(delivered, range(1, 6));
  EXPECT_TRUE(spooled_ids(tmp.path()).empty());
}

TEST(BatchProcessor, RejectedBatchesAreDroppedNotSpooled) {
  TempDir tmp;
  SpoolFixture f(tmp.path());
  f.log->reject = true;
  for (SpanId i = 1; i <= 3; ++i) f.processor.on_end(make_span("s", i));
  EXPECT_TRUE(f.processor.shutdown(milliseconds(10000)));
  const auto stats = f.processor.stats();
  EXPECT_EQ(stats.dropped, 3u);
  EXPECT_EQ(stats.rejected, 3u);
  EXPECT_EQ(stats.spooled, 0u);
  EXPECT_EQ(f.processor.rejection_error(), "fake rejection");
  EXPECT_TRUE(spooled_ids(tmp.path()).empty());
}

TEST(BatchProcessor, QueueOverflowGoesToTheSpoolNotAway) {
  TempDir tmp;
  SpoolFixture f(tmp.path(),
                 {.max_queue_size = 4, .max_export_batch_size = 4, .schedule_delay = kNever});
  f.log->block = true;
  for (SpanId i = 1; i <= 4; ++i) f.processor.on_end(make_span("s", i));
  f.log->wait_until_blocked();                                            // worker holds 1-4
  for (SpanId i = 5; i <= 8; ++i) f.processor.on_end(make_span("s", i));  // queue: 5-8
  // Past the queue: the spill thread spools them while the export thread is still stuck.
  for (SpanId i = 9; i <= 100; ++i) f.processor.on_end(make_span("s", i));
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (f.processor.stats().spooled < 92 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::yield();
  }
  EXPECT_EQ(f.processor.stats().spooled, 92u);
  EXPECT_EQ(f.processor.stats().exported, 0u);
  // In records no larger than a live batch: each is replayed as one export request.
  std::uint32_t in_records = 0;
  for (const auto& record : Spool({.directory = tmp.path()}).pending()) {
    EXPECT_LE(record.span_count, 4u);
    in_records += record.span_count;
  }
  EXPECT_EQ(in_records, 92u);
  f.log->release();
  EXPECT_TRUE(f.processor.shutdown(milliseconds(10000)));
  const auto stats = f.processor.stats();
  EXPECT_EQ(stats.queued, 100u);
  EXPECT_EQ(stats.exported, 8u);
  EXPECT_EQ(stats.spooled, 92u);
  EXPECT_EQ(stats.dropped, 0u);
  // The backend answers again, so the worker may already have sent some from the spool
  // (the spill thread wrote them in as many records as it took turns).
  const auto left = spooled_ids(tmp.path());
  EXPECT_EQ(left.size() + stats.replayed, 92u);
  for (const SpanId id : left) EXPECT_TRUE(id >= 9 && id <= 100) << id;
  if (stats.replayed == 0) {
    EXPECT_EQ(left, range(9, 100));
  }
}

TEST(BatchProcessor, ByteCapBoundsTheQueue) {
  TempDir tmp;
  SpanData big = make_span("big");
  big.set_attribute("blob", std::string(4000, 'x'));
  const std::size_t one = span_size_bytes(big);
  ASSERT_GT(one, 4000u);
  SpoolFixture f(tmp.path(), {.max_queue_size = 1000,
                              .max_export_batch_size = 1000,
                              .schedule_delay = kNever,
                              .export_timeout = milliseconds(10000),
                              .max_queue_bytes = 3 * one});
  f.log->block = true;
  f.processor.on_end(SpanData(big));
  f.processor.force_flush(milliseconds(0));  // hand it to the worker
  f.log->wait_until_blocked();
  for (SpanId i = 2; i <= 6; ++i) {
    SpanData s = big;
    s.span_id = i;
    f.processor.on_end(std::move(s));  // 3 fit in the queue, 2 overflow
  }
  f.log->release();
  EXPECT_TRUE(f.processor.shutdown(milliseconds(10000)));
  const auto stats = f.processor.stats();
  EXPECT_EQ(stats.exported, 4u);
  EXPECT_EQ(stats.spooled, 2u);
  EXPECT_EQ(spooled_ids(tmp.path()).size() + stats.replayed, 2u);
}

TEST(BatchProcessor, WhatIsLeftAtTheShutdownDeadlineIsSpooledEvenWithAStuckExporter) {
  TempDir tmp;
  auto f = std::make_unique<SpoolFixture>(
      tmp.path(),
      BatchOptions{.max_queue_size = 10, .max_export_batch_size = 1, .schedule_delay = kNever});
  f->log->block = true;
  for (SpanId i = 1; i <= 4; ++i) f->processor.on_end(make_span("s", i));
  f->log->wait_until_blocked();  // span 1 in flight, 2-4 queued
  EXPECT_FALSE(f->processor.shutdown(milliseconds(50)));
  const auto stats = f->processor.stats();
  EXPECT_EQ(stats.spooled, 4u);  // the stuck batch too: it may never come back
  EXPECT_EQ(stats.exported + stats.dropped, 0u);
  EXPECT_EQ(spooled_ids(tmp.path()), range(1, 4));
  auto log = f->log;
  f.reset();
  log->release();
}

TEST(BatchProcessor, AtTheDeadlineTheQueueIsSpooledBeforeTheWorkerStops) {
  TempDir tmp;
  SpoolFixture f(tmp.path(),
                 {.max_queue_size = 10, .max_export_batch_size = 10, .schedule_delay = kNever});
  for (SpanId i = 1; i <= 3; ++i) f.processor.on_end(make_span("s", i));
  // A zero timeout: no time to export anything, all of it must still be kept.
  f.processor.shutdown(milliseconds(0));
  const auto stats = f.processor.stats();
  EXPECT_EQ(stats.exported + stats.spooled, 3u);
  EXPECT_EQ(stats.dropped, 0u);
}

TEST(BatchProcessor, WithoutASpoolOverflowIsDroppedAsBefore) {
  Fixture f({.max_queue_size = 2, .max_export_batch_size = 2, .schedule_delay = kNever});
  f.log->block = true;
  for (SpanId i = 1; i <= 2; ++i) f.processor.on_end(make_span("s", i));
  f.log->wait_until_blocked();
  for (SpanId i = 3; i <= 5; ++i) f.processor.on_end(make_span("s", i));
  f.log->release();
  EXPECT_TRUE(f.processor.shutdown(milliseconds(10000)));
  const auto stats = f.processor.stats();
  EXPECT_EQ(stats.spooled, 0u);
  EXPECT_EQ(stats.dropped, 1u);
  EXPECT_EQ(stats.exported, 4u);
}

// Many producers, a failing-then-healthy exporter, overflow and a spool: every span is
// accounted for exactly once (run under TSan and ASan by scripts/test.sh).
TEST(BatchProcessor, ConcurrentProducersWithSpoolAreAllAccounted) {
  TempDir tmp;
  SpoolFixture f(
      tmp.path(),
      {.max_queue_size = 64, .max_export_batch_size = 16, .schedule_delay = milliseconds(1)});
  f.log->fail = true;
  std::vector<std::thread> threads;
  std::atomic<SpanId> next{1};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) f.processor.on_end(make_span("s", next.fetch_add(1)));
    });
  }
  threads.emplace_back([&] {
    (void)f.processor.force_flush(milliseconds(1));
    std::lock_guard lock(f.log->mu);
    f.log->fail = false;
  });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(f.processor.shutdown(milliseconds(30000)));
  const auto stats = f.processor.stats();
  EXPECT_EQ(stats.queued + stats.dropped, 2000u);
  EXPECT_EQ(stats.exported + stats.spooled + stats.dropped, 2000u);
  // What was spooled is in the spool still, or was sent from it once the exporter recovered.
  EXPECT_EQ(spooled_ids(tmp.path()).size() + stats.replayed, stats.spooled);
}

}  // namespace
}  // namespace chaostracing
