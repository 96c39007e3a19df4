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

namespace chaostracing {
namespace {

TEST(AttributeList, AppendHandsOutTheKeptAttributesInOrderWithTheirStorage) {
  AttributeList list;
  list.push_back({"url.full", std::string(40, 'a')});
  list.push_back({"retries", std::int64_t{3}});
  const char* url_storage = std::get<std::string>(list[0].value).data();
  list.clear_keeping(SpanData::kKeptElements, SpanData::kKeptBytes);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list, AttributeList{});  // what it keeps is not part of the list
  EXPECT_EQ(list.kept(), 2u);
  set_attribute(list, "url.full", std::string_view(std::string(40, 'b')));  // copied in
  EXPECT_EQ(std::get<std::string>(list[0].value).data(), url_storage);
  set_attribute(list, "other", true);  // the second kept attribute, overwritten
  EXPECT_EQ(list, (AttributeList{{"url.full", std::string(40, 'b')}, {"other", true}}));
  set_attribute(list, "third", 1.5);  // past what was kept: a new one
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list.kept(), 3u);
  const AttributeList copy = list;  // a copy holds the list only
  EXPECT_EQ(copy, list);
  EXPECT_EQ(copy.kept(), 3u);
}

TEST(AttributeList, KeepsNoHugeValueListOrCount) {
  AttributeList list;
  list.push_back({"huge", std::string(SpanData::kKeptBytes + 1, 'h')});
  list.push_back({"list", std::vector<std::int64_t>(100, 1)});
  list.push_back({"small", std::string(20, 's')});
  list.clear_keeping(SpanData::kKeptElements, SpanData::kKeptBytes);
  ASSERT_EQ(list.kept(), 3u);
  EXPECT_LE(std::get<std::string>(list.data()[0].value).capacity(), SpanData::kKeptBytes);
  EXPECT_EQ(list.data()[1].value, AttributeValue(std::string()));
  EXPECT_GE(std::get<std::string>(list.data()[2].value).capacity(), 20u);
  for (int i = 0; i < 40; ++i) list.push_back({std::to_string(i), std::int64_t{i}});
  list.clear_keeping(SpanData::kKeptElements, SpanData::kKeptBytes);
  EXPECT_EQ(list.kept(), 0u);
  EXPECT_EQ(list.capacity(), 0u);
}

}  // namespace
}  // namespace chaostracing
