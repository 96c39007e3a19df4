// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/batch_processor.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "fakes/fake_exporter.hpp"

namespace chaostracing {
namespace {

using std::chrono::milliseconds;
using testing::FakeExporter;
using testing::FakeExporterLog;
using testing::make_span;

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
  EXPECT_FALSE(processor->force_flush(milliseconds(0)));
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

TEST(BatchProcessor, RejectsNullExporterAndZeroSizes) {
  EXPECT_THROW(BatchProcessor(nullptr, Resource{}, Scope{}), std::invalid_argument);
  auto log = std::make_shared<FakeExporterLog>();
  EXPECT_THROW(BatchProcessor(std::make_unique<FakeExporter>(log), Resource{}, Scope{},
                              BatchOptions{.max_queue_size = 0}),
               std::invalid_argument);
}

}  // namespace
}  // namespace chaostracing
