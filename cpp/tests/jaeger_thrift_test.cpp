// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/encode/jaeger_thrift.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chaostracing {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// trace id 00..01 | 00..02, span 3, parent 4, 1 µs to 3 µs, one attribute b=false.
SpanData small_span() {
  SpanData span;
  span.trace_id[7] = 1;
  span.trace_id[15] = 2;
  span.span_id = 3;
  span.parent_span_id = 4;
  span.name = "s";
  span.kind = SpanKind::kInternal;
  span.start_time_unix_nano = 1000;
  span.end_time_unix_nano = 3999;  // truncated to 3 µs
  span.set_attribute("b", false);
  return span;
}

Resource service(std::string name) {
  return Resource{{Attribute{"service.name", std::move(name)}}};
}

// A compact Tag{key, STRING, vStr} as it appears inside a tag list.
std::string compact_string_tag(const std::string& key, const std::string& value) {
  return bytes({0x18, static_cast<int>(key.size())}) + key + bytes({0x15, 0x00}) +
         bytes({0x18, static_cast<int>(value.size())}) + value + bytes({0x00});
}

TEST(JaegerThrift, GoldenCompactDatagramForSmallSpan) {
  const std::vector<SpanData> spans{small_span()};
  const JaegerDatagrams out = encode_jaeger_agent_datagrams(spans, service("svc"), Scope{});
  ASSERT_EQ(out.datagrams.size(), 1u);
  EXPECT_EQ(out.truncated_spans, 0u);

  std::string span_bytes;
  span_bytes += bytes({0x16, 0x04});                               // 1: traceIdLow 2 (zigzag 4)
  span_bytes += bytes({0x16, 0x02});                               // 2: traceIdHigh 1
  span_bytes += bytes({0x16, 0x06});                               // 3: spanId 3
  span_bytes += bytes({0x16, 0x08});                               // 4: parentSpanId 4
  span_bytes += bytes({0x18, 0x01, 's'});                          // 5: operationName
  span_bytes += bytes({0x25, 0x02});                               // 7: flags 1 (delta 2, i32)
  span_bytes += bytes({0x16, 0x02});                               // 8: startTime 1 µs
  span_bytes += bytes({0x16, 0x04});                               // 9: duration 2 µs
  span_bytes += bytes({0x19, 0x1c});                               // 10: tags, list of 1 struct
  span_bytes += bytes({0x18, 0x01, 'b', 0x15, 0x04, 0x32, 0x00});  // key, vType BOOL, vBool false
  span_bytes += bytes({0x00});                                     // span STOP

  std::string expected = bytes({0x82, 0x81, 0x00, 0x09}) + "emitBatch";  // ONEWAY, seqid 0
  expected += bytes({0x1c});                                             // args 1: batch
  expected += bytes({0x1c, 0x18, 0x03}) + "svc" + bytes({0x00});         // batch 1: process
  expected += bytes({0x19, 0x1c}) + span_bytes;                          // batch 2: spans
  expected += bytes({0x00, 0x00});                                       // batch and args STOP
  EXPECT_EQ(out.datagrams[0], expected);
}

TEST(JaegerThrift, GoldenBinaryBatchForSmallSpan) {
  const std::vector<SpanData> spans{small_span()};
  const std::string out = encode_jaeger_batch_binary(spans, service("svc"), Scope{});
  const auto i64 = [](int id, int v) { return bytes({0x0a, 0x00, id, 0, 0, 0, 0, 0, 0, 0, v}); };
  std::string expected;
  expected += bytes({0x0c, 0x00, 0x01});  // 1: process
  expected += bytes({0x0b, 0x00, 0x01, 0, 0, 0, 3}) + "svc" + bytes({0x00});
  expected += bytes({0x0f, 0x00, 0x02, 0x0c, 0, 0, 0, 1});  // 2: list<Span>[1]
  expected += i64(1, 2) + i64(2, 1) + i64(3, 3) + i64(4, 4);
  expected += bytes({0x0b, 0x00, 0x05, 0, 0, 0, 1, 's'});
  expected += bytes({0x08, 0x00, 0x07, 0, 0, 0, 1});  // flags
  expected += i64(8, 1) + i64(9, 2);
  expected += bytes({0x0f, 0x00, 0x0a, 0x0c, 0, 0, 0, 1});  // tags[1]
  expected += bytes({0x0b, 0x00, 0x01, 0, 0, 0, 1, 'b'});
  expected += bytes({0x08, 0x00, 0x02, 0, 0, 0, 2});  // vType BOOL
  expected += bytes({0x02, 0x00, 0x05, 0x00});        // vBool false
  expected += bytes({0x00, 0x00, 0x00});              // tag, span and batch STOP
  EXPECT_EQ(out, expected);
}

TEST(JaegerThrift, TraceIdHalvesAreBigEndianSignedIntegers) {
  SpanData span = small_span();
  span.trace_id = {};
  span.trace_id[0] = 0xff;  // high = 0xff00000000000000 = -72057594037927936
  span.trace_id[15] = 0x01;
  const std::vector<SpanData> spans{span};
  const std::string out =
      encode_jaeger_agent_datagrams(spans, service("svc"), Scope{}).datagrams.at(0);
  // traceIdLow 1 (zigzag 2), then traceIdHigh as the 9-byte zigzag varint of the negative.
  EXPECT_TRUE(contains(out, bytes({0x16, 0x02, 0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0x01, 0x16, 0x06})));
}

TEST(JaegerThrift, StatusKindAndScopeBecomeTags) {
  SpanData span = small_span();
  span.attributes.clear();
  span.kind = SpanKind::kClient;
  span.status_code = StatusCode::kError;
  span.status_message = "it broke";
  span.set_attribute("error", std::string("overridden"));
  const std::vector<SpanData> spans{span};
  const std::string out =
      encode_jaeger_agent_datagrams(spans, service("svc"), Scope{"lib", "1.0"}).datagrams.at(0);
  EXPECT_TRUE(contains(out, compact_string_tag("otel.scope.name", "lib")));
  EXPECT_TRUE(contains(out, compact_string_tag("otel.scope.version", "1.0")));
  EXPECT_TRUE(contains(out, compact_string_tag("span.kind", "client")));
  EXPECT_TRUE(contains(out, compact_string_tag("otel.status_code", "ERROR")));
  EXPECT_TRUE(contains(out, compact_string_tag("otel.status_description", "it broke")));
  // error=true (BOOL) replaces the attribute of the same name.
  EXPECT_TRUE(contains(out, bytes({0x18, 0x05}) + "error" + bytes({0x15, 0x04, 0x31, 0x00})));
  EXPECT_FALSE(contains(out, "overridden"));

  span.kind = SpanKind::kInternal;
  span.status_code = StatusCode::kOk;
  span.status_message.clear();
  const std::vector<SpanData> ok{span};
  const std::string ok_out =
      encode_jaeger_agent_datagrams(ok, service("svc"), Scope{}).datagrams.at(0);
  EXPECT_TRUE(contains(ok_out, compact_string_tag("otel.status_code", "OK")));
  EXPECT_FALSE(contains(ok_out, "span.kind"));  // internal spans have none
  EXPECT_FALSE(contains(ok_out, "otel.status_description"));
}

TEST(JaegerThrift, AttributeTypesMapToTagTypes) {
  SpanData span = small_span();
  span.attributes.clear();
  span.set_attribute("i", std::int64_t{-1});
  span.set_attribute("d", 1.5);
  span.set_attribute("a", std::vector<std::string>{"x", "y\""});
  span.set_attribute("n", std::vector<std::int64_t>{1, -2});
  const std::vector<SpanData> spans{span};
  const std::string out =
      encode_jaeger_agent_datagrams(spans, service("svc"), Scope{}).datagrams.at(0);
  // LONG (3, zigzag 6) with vLong at field 6 (delta 4 from vType: 0x46).
  EXPECT_TRUE(contains(out, bytes({0x18, 0x01, 'i', 0x15, 0x06, 0x46, 0x01, 0x00})));
  // DOUBLE (1, zigzag 2) with vDouble at field 4 (0x27), 8 bytes little-endian.
  EXPECT_TRUE(contains(
      out, bytes({0x18, 0x01, 'd', 0x15, 0x02, 0x27, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x00})));
  // Arrays have no Jaeger type: a JSON list in a STRING tag.
  EXPECT_TRUE(contains(out, compact_string_tag("a", R"(["x","y\""])")));
  EXPECT_TRUE(contains(out, compact_string_tag("n", "[1,-2]")));
}

TEST(JaegerThrift, ProcessGetsServiceNameAndOtherResourceAttributesAsTags) {
  const std::vector<SpanData> spans{small_span()};
  const Resource resource{{Attribute{"host.name", std::string("h1")},
                           Attribute{"service.name", std::string("payments")}}};
  const std::string out = encode_jaeger_agent_datagrams(spans, resource, Scope{}).datagrams.at(0);
  const std::string process = bytes({0x1c, 0x18, 0x08}) + "payments" + bytes({0x19, 0x1c}) +
                              compact_string_tag("host.name", "h1") + bytes({0x00});
  EXPECT_TRUE(contains(out, process));

  const std::string unnamed =
      encode_jaeger_agent_datagrams(spans, Resource{}, Scope{}).datagrams.at(0);
  EXPECT_TRUE(contains(unnamed, bytes({0x1c, 0x18, 0x0f}) + "unknown_service" + bytes({0x00})));
}

TEST(JaegerThrift, EventsBecomeLogsWithAnEventField) {
  SpanData span = small_span();
  span.attributes.clear();
  span.events.push_back(
      Event{"exception", 5'000'999, {Attribute{"exception.type", std::string("E")}}});
  const std::vector<SpanData> spans{span};
  const std::string out =
      encode_jaeger_agent_datagrams(spans, service("svc"), Scope{}).datagrams.at(0);
  // 11: logs (delta 2 from field 9, no tags), one Log{timestamp 5000 µs, fields[2]}.
  const std::string log = bytes({0x29, 0x1c, 0x16, 0x90, 0x4e, 0x19, 0x2c}) +
                          compact_string_tag("event", "exception") +
                          compact_string_tag("exception.type", "E") + bytes({0x00});
  EXPECT_TRUE(contains(out, log));
}

TEST(JaegerThrift, SplitsBatchesSoEveryDatagramFits) {
  std::vector<SpanData> spans;
  for (int i = 0; i < 2000; ++i) {
    SpanData span = small_span();
    span.name = "span-" + std::to_string(10000 + i);
    span.set_attribute("pad", std::string(200, 'p'));
    spans.push_back(span);
  }
  const JaegerDatagrams out = encode_jaeger_agent_datagrams(spans, service("svc"), Scope{});
  ASSERT_GT(out.datagrams.size(), 5u);
  std::string all;
  for (const auto& datagram : out.datagrams) {
    EXPECT_LE(datagram.size(), kJaegerMaxDatagramBytes);
    EXPECT_TRUE(datagram.starts_with(bytes({0x82, 0x81, 0x00, 0x09}) + "emitBatch"));
    all += datagram;
  }
  // Full datagrams: all but the last are within one span (~270 bytes) of the limit.
  for (std::size_t i = 0; i + 1 < out.datagrams.size(); ++i) {
    EXPECT_GT(out.datagrams[i].size(), kJaegerMaxDatagramBytes - 400) << i;
  }
  // Every span exactly once, in order.
  std::size_t position = 0;
  for (const auto& span : spans) {
    const auto found = all.find(span.name, position);
    ASSERT_NE(found, std::string::npos) << span.name;
    position = found + 1;
    EXPECT_EQ(all.find(span.name, position), std::string::npos) << span.name;
  }
}

TEST(JaegerThrift, SmallDatagramLimitSplitsOneSpanPerDatagram) {
  std::vector<SpanData> spans(3, small_span());
  const JaegerDatagrams out = encode_jaeger_agent_datagrams(spans, service("svc"), Scope{}, 60);
  ASSERT_EQ(out.datagrams.size(), 3u);
  for (const auto& datagram : out.datagrams) EXPECT_LE(datagram.size(), 60u);
}

// The length of the STRING value of tag `key`, read from the compact bytes.
std::size_t string_tag_length(const std::string& out, const std::string& key) {
  const std::string head =
      bytes({0x18, static_cast<int>(key.size())}) + key + bytes({0x15, 0x00, 0x18});
  const auto at = out.find(head);
  if (at == std::string::npos) return std::string::npos;
  std::size_t length = 0;
  int shift = 0;
  for (std::size_t i = at + head.size();; ++i) {
    const auto b = static_cast<unsigned char>(out[i]);
    length |= static_cast<std::size_t>(b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) == 0) break;
  }
  return length;
}

TEST(JaegerThrift, SpanLargerThanADatagramHasItsValuesShortenedNotDropped) {
  SpanData span = small_span();
  span.set_attribute("big", std::string(100'000, 'x'));
  span.set_attribute("flag", true);
  span.set_attribute("small", std::string("kept"));
  span.events.push_back(Event{"e", 1000, {Attribute{"big.event", std::string(50'000, 'y')}}});
  const std::vector<SpanData> spans{small_span(), span, small_span()};
  const JaegerDatagrams out = encode_jaeger_agent_datagrams(spans, service("svc"), Scope{});
  EXPECT_EQ(out.truncated_spans, 1u);
  EXPECT_EQ(out.oversized_spans, 0u);
  std::string all;
  for (const auto& datagram : out.datagrams) {
    EXPECT_LE(datagram.size(), kJaegerMaxDatagramBytes);
    all += datagram;
  }
  // Every key is still there; values are cut to one common cap, filling the datagram.
  const std::size_t big = string_tag_length(all, "big");
  EXPECT_GT(big, 20'000u);
  EXPECT_LT(big, 65'000u);
  EXPECT_EQ(string_tag_length(all, "big.event"), big);
  EXPECT_EQ(string_tag_length(all, "small"), 4u);
  EXPECT_TRUE(contains(all, bytes({0x18, 0x04}) + "flag" + bytes({0x15, 0x04, 0x31, 0x00})));
  const auto largest = std::max_element(
      out.datagrams.begin(), out.datagrams.end(),
      [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
  EXPECT_GT(largest->size(), kJaegerMaxDatagramBytes - 64);
}

TEST(JaegerThrift, TruncationNeverCutsAUtf8Sequence) {
  SpanData span = small_span();
  span.attributes.clear();
  span.set_attribute("snow", std::string(30'000 * 3, '\0'));
  auto& value = std::get<std::string>(span.attributes[0].value);
  for (std::size_t i = 0; i < value.size(); i += 3) value.replace(i, 3, "\xe2\x98\x83");
  const std::vector<SpanData> spans{span};
  const JaegerDatagrams out = encode_jaeger_agent_datagrams(spans, service("svc"), Scope{}, 1000);
  ASSERT_EQ(out.datagrams.size(), 1u);
  EXPECT_EQ(out.truncated_spans, 1u);
  const std::size_t length = string_tag_length(out.datagrams[0], "snow");
  EXPECT_GT(length, 800u);
  EXPECT_EQ(length % 3, 0u);
}

TEST(JaegerThrift, SpanThatCannotFitEvenWithEmptyValuesIsCountedNotSent) {
  SpanData huge = small_span();
  for (int i = 0; i < 100; ++i) huge.set_attribute("key-" + std::to_string(i) + "-padding", 1.0);
  const std::vector<SpanData> spans{small_span(), huge};
  const JaegerDatagrams out = encode_jaeger_agent_datagrams(spans, service("svc"), Scope{}, 600);
  EXPECT_EQ(out.oversized_spans, 1u);
  ASSERT_EQ(out.datagrams.size(), 1u);
  EXPECT_FALSE(contains(out.datagrams[0], "key-0-padding"));
}

TEST(JaegerThrift, InvalidUtf8IsRepaired) {
  SpanData span = small_span();
  span.name = "bad\xff";
  const std::vector<SpanData> spans{span};
  const std::string out =
      encode_jaeger_agent_datagrams(spans, service("svc"), Scope{}).datagrams.at(0);
  EXPECT_TRUE(contains(out, bytes({0x18, 0x06}) + "bad\xef\xbf\xbd"));
}

TEST(JaegerThrift, NoSpansNoDatagrams) {
  EXPECT_TRUE(encode_jaeger_agent_datagrams({}, service("svc"), Scope{}).datagrams.empty());
}

}  // namespace
}  // namespace chaostracing
