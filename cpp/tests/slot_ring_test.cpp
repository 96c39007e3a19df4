// SPDX-License-Identifier: Apache-2.0
#include "detail/slot_ring.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "chaostracing/span.hpp"

namespace chaostracing::detail {
namespace {

SpanData span_with_id(SpanId id) {
  SpanData span;
  span.span_id = id;
  span.name = "span " + std::to_string(id);
  return span;
}

// Pushes and pops in a pattern that makes the ring wrap around and then grow while wrapped,
// checking it against a std::deque.
TEST(SlotRing, KeepsOrderWhileGrowingWrappedAroundAndWithin) {
  SlotRing<SpanData> ring(1000);
  std::deque<SpanId> expected;
  SpanId next = 1;
  SpanData out;
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 5 + round; ++i) {
      SpanData span = span_with_id(next);
      ring.push(span);
      EXPECT_EQ(span, SpanData{});
      expected.push_back(next++);
    }
    for (int i = 0; i < 3 + round / 2; ++i) {
      ring.pop_into(out);
      EXPECT_EQ(out.span_id, expected.front());
      EXPECT_EQ(out.name, "span " + std::to_string(expected.front()));
      expected.pop_front();
      out.clear();
    }
    ASSERT_EQ(ring.size(), expected.size());
  }
  while (!ring.empty()) {
    EXPECT_EQ(ring.front().span_id, expected.front());
    ring.pop_into(out);
    expected.pop_front();
    out.clear();
  }
  EXPECT_TRUE(expected.empty());
}

TEST(SlotRing, NeverMakesMoreSlotsThanItsLimit) {
  SlotRing<SpanData> ring(20);
  SpanData out;
  for (SpanId i = 1; i <= 20; ++i) {
    SpanData span = span_with_id(i);
    ring.push(span);
    if (i % 3 == 0) {  // wrap around while growing
      ring.pop_into(out);
      out.clear();
      SpanData again = span_with_id(100 + i);
      ring.push(again);
    }
  }
  EXPECT_EQ(ring.size(), 20u);
  EXPECT_EQ(ring.slot_count(), 20u);
}

// What a push gets back is the storage a pop left in the slot.
TEST(SlotRing, APushGetsBackTheStorageAPopLeft) {
  SlotRing<SpanData> ring(4);
  SpanData first = span_with_id(1);
  ring.push(first);
  SpanData out;
  out.name.reserve(200);
  const char* storage = out.name.data();
  ring.pop_into(out);  // `out` is the span now; the slot keeps out's empty storage
  EXPECT_EQ(out.span_id, 1u);
  SpanData second = span_with_id(2);
  ring.push(second);  // into that slot
  EXPECT_EQ(second, SpanData{});
  EXPECT_EQ(second.name.data(), storage);
}

}  // namespace
}  // namespace chaostracing::detail
