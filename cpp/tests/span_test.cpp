// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/span.hpp"

#include <gtest/gtest.h>

#include <string>

#include "chaostracing/clock.hpp"

namespace chaostracing {
namespace {

TEST(SpanData, SetAttributeReplacesExistingKeyInPlace) {
  SpanData span;
  span.set_attribute("a", std::string("x"));
  span.set_attribute("b", std::int64_t{1});
  span.set_attribute("a", true);
  ASSERT_EQ(span.attributes.size(), 2u);
  EXPECT_EQ(span.attributes[0].key, "a");
  EXPECT_EQ(span.attributes[0].value, AttributeValue(true));
  EXPECT_EQ(span.attributes[1].key, "b");
}

TEST(SpanData, DefaultsAreSampledInternalUnset) {
  SpanData span;
  EXPECT_EQ(span.flags, kTraceFlagSampled);
  EXPECT_EQ(span.kind, SpanKind::kInternal);
  EXPECT_EQ(span.status_code, StatusCode::kUnset);
  EXPECT_EQ(span.parent_span_id, 0u);
}

TEST(SpanData, ClearEmptiesEverythingButKeepsModestStorage) {
  SpanData span;
  span.trace_id[0] = 1;
  span.span_id = 2;
  span.parent_span_id = 3;
  span.flags = 0;
  span.kind = SpanKind::kClient;
  span.start_time_unix_nano = 4;
  span.end_time_unix_nano = 5;
  span.status_code = StatusCode::kError;
  span.status_message = "boom";
  span.trace_state = "k=v";
  span.name = std::string(100, 'n');
  span.set_attribute("a", std::string(100, 'v'));
  span.events.push_back(Event{"e", 6, {}});
  span.clear();
  EXPECT_EQ(span, SpanData{});
  EXPECT_GE(span.name.capacity(), 100u);
  EXPECT_GE(span.attributes.capacity(), 1u);

  // A huge span does not pin its storage in the span that is reused.
  span.name = std::string(SpanData::kKeptBytes + 1, 'n');
  for (std::size_t i = 0; i <= SpanData::kKeptElements; ++i) {
    span.set_attribute(std::to_string(i), std::int64_t{1});
  }
  span.clear();
  EXPECT_EQ(span, SpanData{});
  EXPECT_LE(span.name.capacity(), SpanData::kKeptBytes);
  EXPECT_EQ(span.attributes.capacity(), 0u);
}

TEST(Clock, NowIsAfter2020) { EXPECT_GT(now_unix_nano(), 1577836800ULL * 1000000000ULL); }

}  // namespace
}  // namespace chaostracing
