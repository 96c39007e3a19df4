// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/encode/otlp_proto_decode.hpp"

#include <gtest/gtest.h>

#include "chaostracing/encode/otlp_proto.hpp"

namespace chaostracing {
namespace {

SpanData rich_span() {
  SpanData s;
  s.trace_id = TraceId{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  s.span_id = 0x0102030405060708;
  s.parent_span_id = 0xfffffffffffffffe;
  s.trace_state = "vendor=x";
  s.flags = 0x101;
  s.name = "activity: probe";
  s.kind = SpanKind::kClient;
  s.start_time_unix_nano = 1700000000000000000;
  s.end_time_unix_nano = 1700000000500000000;
  s.set_attribute("s", std::string("text é"));
  s.set_attribute("b", true);
  s.set_attribute("i", std::int64_t{-42});
  s.set_attribute("d", 3.25);
  s.set_attribute("ss", std::vector<std::string>{"a", "", "c"});
  s.set_attribute("bs", std::vector<bool>{true, false});
  s.set_attribute("is", std::vector<std::int64_t>{1, -2, 3});
  s.set_attribute("ds", std::vector<double>{0.5, -1.5});
  s.set_attribute("empty", std::vector<std::string>{});
  s.events.push_back(Event{
      "exception", 1700000000100000000, {Attribute{"exception.type", std::string("ValueError")}}});
  s.events.push_back(Event{"", 0, {}});
  s.status_code = StatusCode::kError;
  s.status_message = "boom";
  return s;
}

TEST(OtlpProtoDecode, InvertsTheEncoder) {
  std::vector<SpanData> spans{rich_span(), rich_span()};
  spans[1].span_id = 9;
  spans[1].parent_span_id = 0;
  spans[1].status_code = StatusCode::kUnset;
  spans[1].status_message.clear();
  spans[1].kind = SpanKind::kInternal;
  const Resource resource{{Attribute{"service.name", std::string("chaostoolkit")},
                           Attribute{"process.pid", std::int64_t{123}}}};
  const Scope scope{"chaostracing", "0.19.0"};
  const auto decoded = decode_otlp_proto(encode_otlp_proto(spans, resource, scope));
  ASSERT_TRUE(decoded.has_value());
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].resource, resource);
  EXPECT_EQ((*decoded)[0].scope, scope);
  EXPECT_EQ((*decoded)[0].spans, spans);
}

TEST(OtlpProtoDecode, EmptyRequestAndEmptyBatch) {
  EXPECT_EQ(decode_otlp_proto(""), std::vector<DecodedBatch>{});
  const auto decoded = decode_otlp_proto(encode_otlp_proto({}, Resource{}, Scope{}));
  ASSERT_TRUE(decoded.has_value());
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_TRUE((*decoded)[0].spans.empty());
}

TEST(OtlpProtoDecode, TruncatedOrDamagedInputNeverCrashes) {
  const std::vector<SpanData> spans{rich_span()};
  const std::string bytes = encode_otlp_proto(spans, Resource{}, Scope{"s", ""});
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    (void)decode_otlp_proto(std::string_view(bytes).substr(0, n));
    std::string damaged = bytes;
    damaged[n] = static_cast<char>(damaged[n] ^ 0xff);
    (void)decode_otlp_proto(damaged);
  }
  // A length running past the end is malformed, not a partial read.
  EXPECT_FALSE(decode_otlp_proto(std::string("\x0a\x05\x0a", 3)).has_value());
  // Groups are not OTLP.
  EXPECT_FALSE(decode_otlp_proto(std::string("\x0b", 1)).has_value());
}

TEST(OtlpProtoDecode, SkipsUnknownFieldsAndUnrepresentableValues) {
  // ResourceSpans{ ScopeSpans{ Span{ trace_id, span_id, name "n", attribute kvlist,
  // unknown field 99 } } }
  using namespace std::string_literals;
  std::string span;
  span += "\x0a\x10"s;
  span += std::string(16, '\x01');
  span += "\x12\x08"s;
  span += std::string(8, '\x02');
  span += "\x2a\x01n"s;
  span += "\x4a\x07\x0a\x01k\x12\x02\x32\x00"s;  // key "k", AnyValue{kvlist_value{}}
  span += "\x98\x06\x01"s;                       // field 99, varint 1
  std::string scope_spans = "\x12" + std::string(1, static_cast<char>(span.size())) + span;
  std::string resource_spans =
      "\x12" + std::string(1, static_cast<char>(scope_spans.size())) + scope_spans;
  std::string request =
      "\x0a" + std::string(1, static_cast<char>(resource_spans.size())) + resource_spans;
  const auto decoded = decode_otlp_proto(request);
  ASSERT_TRUE(decoded.has_value());
  ASSERT_EQ((*decoded)[0].spans.size(), 1u);
  EXPECT_EQ((*decoded)[0].spans[0].name, "n");
  EXPECT_TRUE((*decoded)[0].spans[0].attributes.empty());
}

}  // namespace
}  // namespace chaostracing
