// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chaostracing/propagation/jaeger.hpp"

namespace chaostracing {
namespace {

TEST(UberTraceId, ParsesValidValues) {
  struct Case {
    std::string value;
    std::string trace_id;
    std::string span_id;
    std::uint8_t flags;
  };
  constexpr std::uint8_t kSampled = SpanContext::kSampled;
  constexpr std::uint8_t kDebug = SpanContext::kSampled | SpanContext::kDebug;
  for (const auto& c : std::vector<Case>{
           {"4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1",
            "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", kSampled},
           {"4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:0",
            "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 0},
           // 64-bit and shorter ids are left-padded; either case is accepted
           {"a3ce929d0e0e4736:f067aa0ba902b7:0:01", "0000000000000000a3ce929d0e0e4736",
            "00f067aa0ba902b7", kSampled},
           {"1:2:0:1", "00000000000000000000000000000001", "0000000000000002", kSampled},
           {"A3CE929D0E0E4736:F067AA0BA902B7:0:1", "0000000000000000a3ce929d0e0e4736",
            "00f067aa0ba902b7", kSampled},
           // parent span id: deprecated, any well-formed value
           {"1:2:53ce929d0e0e4736:1", "00000000000000000000000000000001", "0000000000000002",
            kSampled},
           // debug (0x02) only counts with sampled; firehose (0x08) and others are dropped
           {"1:2:0:3", "00000000000000000000000000000001", "0000000000000002", kDebug},
           {"1:2:0:2", "00000000000000000000000000000001", "0000000000000002", 0},
           {"1:2:0:09", "00000000000000000000000000000001", "0000000000000002", kSampled},
           {"1:2:0:ff", "00000000000000000000000000000001", "0000000000000002", kDebug},
           // URL-encoded, as clients send it in HTTP_HEADERS mode
           {"4bf92f3577b34da6a3ce929d0e0e4736%3A00f067aa0ba902b7%3A0%3A1",
            "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", kSampled},
           {"1%3a2%3a0%3a1", "00000000000000000000000000000001", "0000000000000002", kSampled},
           {" 1:2:0:1 ", "00000000000000000000000000000001", "0000000000000002", kSampled},
       }) {
    const auto context = parse_uber_trace_id(c.value);
    ASSERT_TRUE(context.has_value()) << c.value;
    EXPECT_EQ(trace_id_to_hex(context->trace_id), c.trace_id) << c.value;
    EXPECT_EQ(span_id_to_hex(context->span_id), c.span_id) << c.value;
    EXPECT_EQ(context->flags, c.flags) << c.value;
    EXPECT_TRUE(context->remote);
  }
}

TEST(UberTraceId, RejectsMalformedValues) {
  for (const std::string& value : std::vector<std::string>{
           "",
           ":::",
           "1:2:0",
           "1:2:0:1:5",
           "1:2::1",
           "1::0:1",
           ":2:0:1",
           "1:2:0:",
           // zero ids
           "0:2:0:1",
           "00000000000000000000000000000000:2:0:1",
           "1:0:0:1",
           // too long ids or flags, non-hex
           "4bf92f3577b34da6a3ce929d0e0e47361:2:0:1",
           "1:00f067aa0ba902b71:0:1",
           "1:2:00f067aa0ba902b71:1",
           "1:2:0:001",
           "1:2:0:100",
           "1:2:0:g",
           "x:2:0:1",
           "1:2:0:-1",
           "0x1:2:0:1",
           "1 :2:0:1",
           // bad %-escapes, or escapes that decode to something invalid
           "1%3A2%3A0%3",
           "1%zz2:0:1",
           "1%3A2%3A0%3A1%00",
       }) {
    EXPECT_FALSE(parse_uber_trace_id(value).has_value()) << value;
  }
}

TEST(UberTraceId, FormatsAndRoundTrips) {
  SpanContext context;
  context.trace_id = *parse_trace_id_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  context.span_id = *parse_span_id_hex("00f067aa0ba902b7");
  context.remote = true;
  struct Case {
    std::uint8_t flags;
    std::string formatted;
  };
  for (const auto& [flags, formatted] : std::vector<Case>{
           {0, "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:0"},
           {SpanContext::kSampled, "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1"},
           {SpanContext::kSampled | SpanContext::kDebug,
            "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:3"},
       }) {
    context.flags = flags;
    EXPECT_EQ(format_uber_trace_id(context), formatted);
    EXPECT_EQ(parse_uber_trace_id(formatted), context);
  }
  // The W3C random flag has no Jaeger equivalent.
  context.flags = SpanContext::kRandom;
  EXPECT_EQ(format_uber_trace_id(context), "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:0");
  EXPECT_EQ(format_uber_trace_id(SpanContext{}), "");
}

TEST(UberctxValue, DecodesAndEncodes) {
  struct Case {
    std::string encoded;
    std::string decoded;
  };
  for (const auto& [encoded, decoded] : std::vector<Case>{
           {"plain", "plain"},
           {"two%20words", "two words"},
           {"two+words", "two words"},
           {"caf%C3%A9", "café"},
           {"%FF", "\xEF\xBF\xBD"},
       }) {
    EXPECT_EQ(decode_uberctx_value(encoded), decoded) << encoded;
  }
  EXPECT_FALSE(decode_uberctx_value("%").has_value());
  EXPECT_FALSE(decode_uberctx_value("%G0").has_value());
  EXPECT_EQ(encode_uberctx_value("a b+c/d~e.f_g-h"), "a%20b%2Bc%2Fd~e.f_g-h");
  for (const std::string& value :
       std::vector<std::string>{"", "x", "all: ,;\\\"%+=\t\n\x7f", "☃"}) {
    EXPECT_EQ(decode_uberctx_value(encode_uberctx_value(value)), value);
  }
}

}  // namespace
}  // namespace chaostracing
