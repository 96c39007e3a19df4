// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/encode/otlp_proto.hpp"

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

SpanData small_span() {
  SpanData span;
  for (std::size_t i = 0; i < 16; ++i) span.trace_id[i] = static_cast<std::uint8_t>(i + 1);
  span.span_id = 0x0102030405060708ULL;
  span.name = "s";
  span.kind = SpanKind::kInternal;
  span.start_time_unix_nano = 1;
  span.end_time_unix_nano = 2;
  span.set_attribute("b", false);
  return span;
}

TEST(OtlpProto, GoldenBytesForSmallSpan) {
  const std::vector<SpanData> spans{small_span()};
  const std::string out = encode_otlp_proto(spans, Resource{}, Scope{"n", ""});

  std::string span_body;
  span_body += bytes({0x0a, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  span_body += bytes({0x12, 0x08, 1, 2, 3, 4, 5, 6, 7, 8});  // span_id, big-endian
  span_body += bytes({0x2a, 0x01, 's'});                     // name
  span_body += bytes({0x30, 0x01});                          // kind
  span_body += bytes({0x39, 1, 0, 0, 0, 0, 0, 0, 0});        // start, fixed64 little-endian
  span_body += bytes({0x41, 2, 0, 0, 0, 0, 0, 0, 0});        // end
  // KeyValue{key "b", AnyValue{bool_value false}}: the oneof member is written though false.
  span_body += bytes({0x4a, 0x07, 0x0a, 0x01, 'b', 0x12, 0x02, 0x10, 0x00});
  span_body += bytes({0x7a, 0x00});                 // empty status, always present
  span_body += bytes({0x85, 0x01, 0x01, 0, 0, 0});  // flags = 1, fixed32
  ASSERT_EQ(span_body.size(), 68u);

  std::string scope_spans = bytes({0x0a, 0x03, 0x0a, 0x01, 'n', 0x12, 0x44}) + span_body;
  std::string resource_spans =
      bytes({0x0a, 0x00, 0x12, static_cast<int>(scope_spans.size())}) + scope_spans;
  const std::string expected =
      bytes({0x0a, static_cast<int>(resource_spans.size())}) + resource_spans;
  EXPECT_EQ(out, expected);
}

TEST(OtlpProto, ParentAndZeroValuedOneofMembersAreWritten) {
  SpanData span = small_span();
  span.attributes.clear();
  span.parent_span_id = 0xff;
  span.set_attribute("i", std::int64_t{-1});
  span.set_attribute("s", std::string());
  const std::vector<SpanData> spans{span};
  const std::string out = encode_otlp_proto(spans, Resource{}, Scope{});
  EXPECT_NE(out.find(bytes({0x22, 0x08, 0, 0, 0, 0, 0, 0, 0, 0xff})), std::string::npos);
  // int_value -1 is a 10-byte varint.
  EXPECT_NE(out.find(bytes({0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})),
            std::string::npos);
  // string_value "" is written as an empty length-delimited field.
  EXPECT_NE(out.find(bytes({0x0a, 0x01, 's', 0x12, 0x02, 0x0a, 0x00})), std::string::npos);
}

TEST(OtlpProto, LongMessagesGetMultiByteLengths) {
  SpanData span = small_span();
  span.name.assign(300, 'x');
  const std::vector<SpanData> spans{span};
  const std::string out = encode_otlp_proto(spans, Resource{}, Scope{});
  // Request: tag 0x0a then a two-byte varint covering the rest of the buffer.
  ASSERT_GT(out.size(), 3u);
  const auto b1 = static_cast<unsigned char>(out[1]);
  const auto b2 = static_cast<unsigned char>(out[2]);
  ASSERT_TRUE(b1 & 0x80);
  ASSERT_FALSE(b2 & 0x80);
  EXPECT_EQ((b1 & 0x7fu) | (static_cast<unsigned>(b2) << 7), out.size() - 3);
  EXPECT_NE(out.find(bytes({0x2a, 0xac, 0x02}) + std::string(300, 'x')), std::string::npos);
}

TEST(OtlpProto, AppendedAfterWhatTheBufferHoldsWithTheSameBytes) {
  SpanData span = small_span();
  span.name.assign(300, 'x');  // multi-byte lengths, moved in place within the buffer
  const std::vector<SpanData> spans{span, small_span()};
  const std::string alone = encode_otlp_proto(spans, Resource{}, Scope{"s", "1"});
  std::string buffer(5000, 'z');  // room left over from an earlier, larger use
  buffer.resize(7);
  encode_otlp_proto(spans, Resource{}, Scope{"s", "1"}, buffer);
  EXPECT_EQ(buffer, std::string(7, 'z') + alone);
}

TEST(OtlpProto, InvalidUtf8IsRepaired) {
  SpanData span = small_span();
  span.name = "a\xff";
  const std::vector<SpanData> spans{span};
  const std::string out = encode_otlp_proto(spans, Resource{}, Scope{});
  EXPECT_NE(out.find(bytes({0x2a, 0x04, 'a', 0xef, 0xbf, 0xbd})), std::string::npos);
}

TEST(OtlpProto, ArraysAndResourceAttributes) {
  SpanData span = small_span();
  span.attributes.clear();
  span.set_attribute("a", std::vector<bool>{true, false});
  Resource resource;
  set_attribute(resource.attributes, "service.name", std::string("x"));
  const std::vector<SpanData> spans{span};
  const std::string out = encode_otlp_proto(spans, resource, Scope{});
  // KeyValue{a, AnyValue{array_value{values: [{bool true}, {bool false}]}}}
  EXPECT_NE(out.find(bytes({0x4a, 0x0f, 0x0a, 0x01, 'a', 0x12, 0x0a, 0x2a, 0x08, 0x0a, 0x02, 0x10,
                            0x01, 0x0a, 0x02, 0x10, 0x00})),
            std::string::npos);
  EXPECT_NE(out.find("service.name"), std::string::npos);
}

}  // namespace
}  // namespace chaostracing
