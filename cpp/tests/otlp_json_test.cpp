// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/encode/otlp_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace chaostracing {
namespace {

SpanData span_with_ids() {
  SpanData span;
  for (std::size_t i = 0; i < 16; ++i) span.trace_id[i] = static_cast<std::uint8_t>(0xa0 + i);
  span.span_id = 0x00f067aa0ba902b7ULL;
  span.parent_span_id = 0x1;
  span.name = "run";
  span.kind = SpanKind::kServer;
  span.start_time_unix_nano = 1700000000000000001ULL;
  span.end_time_unix_nano = 1700000000000000002ULL;
  return span;
}

std::string encode_one(const SpanData& span, const Resource& resource = {},
                       const Scope& scope = {"chaostracing", "0.19.0"}) {
  const std::vector<SpanData> spans{span};
  return encode_otlp_json(spans, resource, scope);
}

TEST(OtlpJson, ShapeWithHexIdsAndStringTimes) {
  SpanData span = span_with_ids();
  span.status_code = StatusCode::kError;
  span.status_message = "boom";
  span.events.push_back(Event{"e", 5, {}});
  Resource resource;
  set_attribute(resource.attributes, "service.name", std::string("svc"));
  const std::string out = encode_one(span, resource);
  EXPECT_EQ(out,
            "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
            "\"value\":{\"stringValue\":\"svc\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":"
            "\"chaostracing\",\"version\":\"0.19.0\"},\"spans\":[{\"traceId\":"
            "\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"spanId\":\"00f067aa0ba902b7\","
            "\"parentSpanId\":\"0000000000000001\",\"name\":\"run\",\"kind\":2,"
            "\"startTimeUnixNano\":\"1700000000000000001\",\"endTimeUnixNano\":"
            "\"1700000000000000002\",\"events\":[{\"timeUnixNano\":\"5\",\"name\":\"e\"}],"
            "\"status\":{\"message\":\"boom\",\"code\":2},\"flags\":1}]}]}]}");
  EXPECT_EQ(out.find('\n'), std::string::npos);
}

TEST(OtlpJson, AttributeValuesOfEveryType) {
  SpanData span = span_with_ids();
  span.set_attribute("s", std::string("v"));
  span.set_attribute("b", false);
  span.set_attribute("i", std::int64_t{-9223372036854775807LL - 1});
  span.set_attribute("d", 0.1);
  span.set_attribute("sa", std::vector<std::string>{"x", "y"});
  span.set_attribute("ba", std::vector<bool>{true});
  span.set_attribute("ia", std::vector<std::int64_t>{});
  span.set_attribute("da", std::vector<double>{1.5, std::numeric_limits<double>::quiet_NaN(),
                                               std::numeric_limits<double>::infinity(),
                                               -std::numeric_limits<double>::infinity(), 1e300});
  const std::string out = encode_one(span);
  EXPECT_NE(out.find("{\"key\":\"s\",\"value\":{\"stringValue\":\"v\"}}"), std::string::npos);
  EXPECT_NE(out.find("{\"key\":\"b\",\"value\":{\"boolValue\":false}}"), std::string::npos);
  EXPECT_NE(out.find("{\"key\":\"i\",\"value\":{\"intValue\":\"-9223372036854775808\"}}"),
            std::string::npos);
  EXPECT_NE(out.find("{\"key\":\"d\",\"value\":{\"doubleValue\":0.1}}"), std::string::npos);
  EXPECT_NE(out.find("{\"arrayValue\":{\"values\":[{\"stringValue\":\"x\"},{\"stringValue\":"
                     "\"y\"}]}}"),
            std::string::npos);
  EXPECT_NE(out.find("{\"arrayValue\":{\"values\":[{\"boolValue\":true}]}}"), std::string::npos);
  EXPECT_NE(out.find("{\"key\":\"ia\",\"value\":{\"arrayValue\":{}}}"), std::string::npos);
  EXPECT_NE(out.find("[{\"doubleValue\":1.5},{\"doubleValue\":\"NaN\"},{\"doubleValue\":"
                     "\"Infinity\"},{\"doubleValue\":\"-Infinity\"},{\"doubleValue\":1e+300}]"),
            std::string::npos);
}

TEST(OtlpJson, EscapesControlCharactersQuotesAndBackslashes) {
  SpanData span = span_with_ids();
  span.name = std::string("q\"b\\n\nt\t\x01\x1f", 10) + std::string(1, '\0') + "\xc3\xa9";
  const std::string out = encode_one(span);
  EXPECT_NE(out.find("\"name\":\"q\\\"b\\\\n\\nt\\t\\u0001\\u001f\\u0000\xc3\xa9\""),
            std::string::npos)
      << out;
}

TEST(OtlpJson, InvalidUtf8BecomesReplacementCharacter) {
  SpanData span = span_with_ids();
  span.name = "a\xff\xc3(\xed\xa0\x80z";  // stray byte, truncated sequence, surrogate
  const std::string out = encode_one(span);
  EXPECT_NE(
      out.find("\"name\":\"a\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\""),
      std::string::npos)
      << out;
}

TEST(OtlpJson, EmptyBatchAndDefaultsOmitted) {
  const std::string out = encode_otlp_json({}, Resource{}, Scope{});
  EXPECT_EQ(out, "{\"resourceSpans\":[{\"resource\":{},\"scopeSpans\":[{\"scope\":{}}]}]}");
  SpanData span = span_with_ids();
  span.parent_span_id = 0;
  span.flags = 0;
  span.kind = SpanKind::kUnspecified;
  const std::string one = encode_one(span);
  EXPECT_EQ(one.find("parentSpanId"), std::string::npos);
  EXPECT_EQ(one.find("flags"), std::string::npos);
  EXPECT_EQ(one.find("kind"), std::string::npos);
  EXPECT_NE(one.find("\"status\":{}"), std::string::npos);
}

}  // namespace
}  // namespace chaostracing
