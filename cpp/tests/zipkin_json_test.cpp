// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/encode/zipkin_json.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace chaostracing {
namespace {

SpanData small_span() {
  SpanData span;
  for (std::size_t i = 0; i < 16; ++i) span.trace_id[i] = static_cast<std::uint8_t>(0xa0 + i);
  span.span_id = 0x0102030405060708ULL;
  span.name = "Get /Pay";
  span.kind = SpanKind::kInternal;
  span.start_time_unix_nano = 1'700'000'000'123'456'789ULL;
  span.end_time_unix_nano = 1'700'000'000'124'000'001ULL;
  return span;
}

const Resource kResource{{Attribute{"service.name", std::string("payments")},
                          Attribute{"host.name", std::string("h1")}}};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(ZipkinJson, GoldenForSmallSpan) {
  const std::vector<SpanData> spans{small_span()};
  EXPECT_EQ(encode_zipkin_json(spans, kResource, Scope{}),
            R"([{"traceId":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","id":"0102030405060708",)"
            R"("name":"Get /Pay","timestamp":1700000000123456,"duration":544,)"
            R"("localEndpoint":{"serviceName":"payments"}}])");
}

TEST(ZipkinJson, GoldenForAFullSpan) {
  SpanData span = small_span();
  span.parent_span_id = 0xff;
  span.kind = SpanKind::kServer;
  span.set_attribute("s", std::string("v\"1\""));
  span.set_attribute("b", true);
  span.set_attribute("i", std::int64_t{-7});
  span.set_attribute("d", 0.25);
  span.set_attribute("list", std::vector<std::string>{"a", "b"});
  span.set_attribute("flags", std::vector<bool>{true, false});
  span.events.push_back(
      Event{"exception",
            1'700'000'000'123'999'999ULL,
            {Attribute{"exception.type", std::string("E")}, Attribute{"n", std::int64_t{3}}}});
  span.events.push_back(Event{"bare", 1'700'000'000'124'000'000ULL, {}});
  span.status_code = StatusCode::kError;
  span.status_message = "it broke";
  const std::vector<SpanData> spans{span};
  EXPECT_EQ(
      encode_zipkin_json(spans, kResource, Scope{"chaostracing", "1.2"}),
      R"([{"traceId":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","id":"0102030405060708",)"
      R"("parentId":"00000000000000ff","kind":"SERVER","name":"Get /Pay",)"
      R"("timestamp":1700000000123456,"duration":544,)"
      R"("localEndpoint":{"serviceName":"payments"},"annotations":[)"
      R"({"timestamp":1700000000123999,"value":"\"exception\": {\"exception.type\":\"E\",\"n\":3}"},)"
      R"({"timestamp":1700000000124000,"value":"\"bare\": {}"}],)"
      R"("tags":{"s":"v\"1\"","b":"true","i":"-7","d":"0.25","list":"[\"a\",\"b\"]",)"
      R"("flags":"[true,false]","otel.scope.name":"chaostracing","otel.scope.version":"1.2",)"
      R"("otel.status_code":"ERROR","error":"it broke"}}])");
}

TEST(ZipkinJson, KindsOkStatusAndEmptyErrorDescription) {
  SpanData span = small_span();
  const std::vector<std::pair<SpanKind, std::string>> kinds{{SpanKind::kClient, "CLIENT"},
                                                            {SpanKind::kProducer, "PRODUCER"},
                                                            {SpanKind::kConsumer, "CONSUMER"}};
  for (const auto& [kind, name] : kinds) {
    span.kind = kind;
    const std::vector<SpanData> spans{span};
    EXPECT_TRUE(
        contains(encode_zipkin_json(spans, kResource, Scope{}), R"("kind":")" + name + '"'));
  }
  span.kind = SpanKind::kUnspecified;
  span.status_code = StatusCode::kOk;
  std::vector<SpanData> spans{span};
  std::string out = encode_zipkin_json(spans, kResource, Scope{});
  EXPECT_FALSE(contains(out, "\"kind\""));
  EXPECT_TRUE(contains(out, R"("tags":{"otel.status_code":"OK"})"));

  spans[0].status_code = StatusCode::kError;
  spans[0].set_attribute("error", false);  // a boolean error tag must not survive
  out = encode_zipkin_json(spans, kResource, Scope{});
  EXPECT_TRUE(contains(out, R"("tags":{"error":"","otel.status_code":"ERROR"})")) << out;
}

TEST(ZipkinJson, DurationIsAtLeastOneMicrosecondAndTimesTruncate) {
  SpanData span = small_span();
  span.end_time_unix_nano = span.start_time_unix_nano;
  std::vector<SpanData> spans{span};
  EXPECT_TRUE(contains(encode_zipkin_json(spans, kResource, Scope{}), R"("duration":1,)"));
  // 1.999 µs to 3.001 µs: the ends truncate to 1 and 3, so the duration is 2.
  spans[0].start_time_unix_nano = 1999;
  spans[0].end_time_unix_nano = 3001;
  EXPECT_TRUE(
      contains(encode_zipkin_json(spans, kResource, Scope{}), R"("timestamp":1,"duration":2,)"));
}

TEST(ZipkinJson, ServiceNameDefaultsAndStringsAreValidJson) {
  SpanData span = small_span();
  span.name = "bad\xff\n";
  span.set_attribute("nan", std::numeric_limits<double>::quiet_NaN());
  span.set_attribute("nans", std::vector<double>{std::numeric_limits<double>::infinity()});
  const std::vector<SpanData> spans{span};
  const std::string out = encode_zipkin_json(spans, Resource{}, Scope{});
  EXPECT_TRUE(contains(out, R"("serviceName":"unknown_service")"));
  EXPECT_TRUE(contains(out, "\"name\":\"bad\xef\xbf\xbd\\n\""));
  EXPECT_TRUE(contains(out, R"("nan":"NaN")"));
  EXPECT_TRUE(contains(out, R"("nans":"[\"Infinity\"]")"));
}

TEST(ZipkinJson, FloatsStayFloatsInTags) {
  SpanData span = small_span();
  span.set_attribute("whole", 2.0);
  span.set_attribute("big", 1e20);
  span.set_attribute("list", std::vector<double>{1.0, 0.5});
  const std::vector<SpanData> spans{span};
  EXPECT_TRUE(contains(encode_zipkin_json(spans, kResource, Scope{}),
                       R"("tags":{"whole":"2.0","big":"1e+20","list":"[1.0,0.5]"})"));
}

TEST(ZipkinJson, EmptyBatchIsAnEmptyArray) {
  EXPECT_EQ(encode_zipkin_json({}, kResource, Scope{}), "[]");
}

}  // namespace
}  // namespace chaostracing
