// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/span.hpp"

#include <gtest/gtest.h>

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

TEST(Clock, NowIsAfter2020) { EXPECT_GT(now_unix_nano(), 1577836800ULL * 1000000000ULL); }

}  // namespace
}  // namespace chaostracing
