// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chaostracing/propagation/b3.hpp"

namespace chaostracing {
namespace {

constexpr std::uint8_t kSampled = SpanContext::kSampled;
constexpr std::uint8_t kDebug = SpanContext::kSampled | SpanContext::kDebug;

TEST(B3Single, ParsesTheSpecExamples) {
  struct Case {
    std::string value;
    std::string trace_id;
    std::string span_id;
    B3Sampling sampling;
    std::uint8_t flags;
  };
  for (const auto& c : std::vector<Case>{
           {"80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90",
            "80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", B3Sampling::kAccept, kSampled},
           {"80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-1",
            "80f198ee56343ba864fe8b2a57d3eff7", "05e3ac9a4f6e3b90", B3Sampling::kAccept, kSampled},
           {"80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-d",
            "80f198ee56343ba864fe8b2a57d3eff7", "05e3ac9a4f6e3b90", B3Sampling::kDebug, kDebug},
           {"80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-0",
            "80f198ee56343ba864fe8b2a57d3eff7", "05e3ac9a4f6e3b90", B3Sampling::kDeny, 0},
           // no sampling state: defer, which we read as not sampled
           {"80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90", "80f198ee56343ba864fe8b2a57d3eff7",
            "05e3ac9a4f6e3b90", B3Sampling::kDefer, 0},
           // 64-bit trace id: left-padded
           {"64fe8b2a57d3eff7-05e3ac9a4f6e3b90-1", "000000000000000064fe8b2a57d3eff7",
            "05e3ac9a4f6e3b90", B3Sampling::kAccept, kSampled},
           {" 64fe8b2a57d3eff7-05e3ac9a4f6e3b90-1\t", "000000000000000064fe8b2a57d3eff7",
            "05e3ac9a4f6e3b90", B3Sampling::kAccept, kSampled},
       }) {
    const auto single = parse_b3_single(c.value);
    ASSERT_TRUE(single.has_value()) << c.value;
    ASSERT_TRUE(single->context.has_value()) << c.value;
    EXPECT_EQ(trace_id_to_hex(single->context->trace_id), c.trace_id);
    EXPECT_EQ(span_id_to_hex(single->context->span_id), c.span_id);
    EXPECT_EQ(single->sampling, c.sampling) << c.value;
    EXPECT_EQ(single->context->flags, c.flags) << c.value;
    EXPECT_TRUE(single->context->remote);
  }
}

TEST(B3Single, SamplingStateAlone) {
  struct Case {
    std::string value;
    B3Sampling sampling;
  };
  for (const auto& [value, sampling] : std::vector<Case>{
           {"0", B3Sampling::kDeny}, {"1", B3Sampling::kAccept}, {"d", B3Sampling::kDebug}}) {
    const auto single = parse_b3_single(value);
    ASSERT_TRUE(single.has_value()) << value;
    EXPECT_FALSE(single->context.has_value());
    EXPECT_EQ(single->sampling, sampling);
  }
}

TEST(B3Single, RejectsMalformedValues) {
  for (const std::string& value : std::vector<std::string>{
           "",
           "2",
           "D",
           "true",
           "-",
           // ids: wrong lengths, upper case, non-hex, zero
           "80f198ee56343ba864fe8b2a57d3eff-05e3ac9a4f6e3b90-1",
           "80f198ee56343ba864fe8b2a57d3eff7a-05e3ac9a4f6e3b90-1",
           "4fe8b2a57d3eff7-05e3ac9a4f6e3b90-1",
           "80F198EE56343BA864FE8B2A57D3EFF7-05e3ac9a4f6e3b90-1",
           "80f198ee56343ba864fe8b2a57d3eff7-05E3AC9A4F6E3B90-1",
           "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b9g-1",
           "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b9-1",
           "00000000000000000000000000000000-05e3ac9a4f6e3b90-1",
           "0000000000000000-05e3ac9a4f6e3b90-1",
           "80f198ee56343ba864fe8b2a57d3eff7-0000000000000000-1",
           // only a trace id; bad sampling state; bad or extra parent
           "80f198ee56343ba864fe8b2a57d3eff7",
           "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-",
           "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-2",
           "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-true",
           "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-1-",
           "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-1-e457b5a2e4d86bd",
           "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-1-e457b5a2e4d86bd1-x",
           "80f198ee56343ba864fe8b2a57d3eff7--05e3ac9a4f6e3b90",
       }) {
    EXPECT_FALSE(parse_b3_single(value).has_value()) << value;
  }
}

TEST(B3Multi, ParsesHeaders) {
  using O = std::optional<std::string_view>;
  struct Case {
    O trace_id, span_id, sampled, flags;
    std::string trace_hex;
    std::uint8_t flags_out;
  };
  for (const auto& c : std::vector<Case>{
           {"463ac35c9f6413ad48485a3953bb6124",
            "a2fb4a1d1a96d312",
            "1",
            {},
            "463ac35c9f6413ad48485a3953bb6124",
            kSampled},
           {"463ac35c9f6413ad48485a3953bb6124",
            "a2fb4a1d1a96d312",
            "0",
            {},
            "463ac35c9f6413ad48485a3953bb6124",
            0},
           {"463ac35c9f6413ad48485a3953bb6124",
            "a2fb4a1d1a96d312",
            {},
            {},
            "463ac35c9f6413ad48485a3953bb6124",
            0},
           {"48485a3953bb6124",
            "a2fb4a1d1a96d312",
            "1",
            {},
            "000000000000000048485a3953bb6124",
            kSampled},
           // lenient true/false
           {"48485a3953bb6124",
            "a2fb4a1d1a96d312",
            "true",
            {},
            "000000000000000048485a3953bb6124",
            kSampled},
           {"48485a3953bb6124",
            "a2fb4a1d1a96d312",
            "False",
            {},
            "000000000000000048485a3953bb6124",
            0},
           // debug implies sampled and wins over Sampled
           {"48485a3953bb6124",
            "a2fb4a1d1a96d312",
            {},
            "1",
            "000000000000000048485a3953bb6124",
            kDebug},
           {"48485a3953bb6124", "a2fb4a1d1a96d312", "0", "1", "000000000000000048485a3953bb6124",
            kDebug},
           {"48485a3953bb6124", "a2fb4a1d1a96d312", "1", "0", "000000000000000048485a3953bb6124",
            kSampled},
       }) {
    const auto context = parse_b3_multi(c.trace_id, c.span_id, c.sampled, c.flags);
    ASSERT_TRUE(context.has_value()) << *c.trace_id;
    EXPECT_EQ(trace_id_to_hex(context->trace_id), c.trace_hex);
    EXPECT_EQ(span_id_to_hex(context->span_id), "a2fb4a1d1a96d312");
    EXPECT_EQ(context->flags, c.flags_out);
  }
}

TEST(B3Multi, RejectsMissingOrMalformedIds) {
  using O = std::optional<std::string_view>;
  struct Case {
    O trace_id, span_id, sampled;
  };
  for (const auto& c : std::vector<Case>{
           {{}, "a2fb4a1d1a96d312", "1"},
           {"463ac35c9f6413ad48485a3953bb6124", {}, "1"},
           {{}, {}, "0"},  // a deny decision alone carries no context
           {"463AC35C9F6413AD48485A3953BB6124", "a2fb4a1d1a96d312", "1"},
           {"463ac35c9f6413ad48485a3953bb612", "a2fb4a1d1a96d312", "1"},
           {"463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d31", "1"},
           {"00000000000000000000000000000000", "a2fb4a1d1a96d312", "1"},
           {"463ac35c9f6413ad48485a3953bb6124", "0000000000000000", "1"},
           {"463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", "yes"},
           {"463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", "d"},
       }) {
    EXPECT_FALSE(parse_b3_multi(c.trace_id, c.span_id, c.sampled, {}).has_value());
  }
}

SpanContext context_with(std::uint8_t flags) {
  SpanContext context;
  context.trace_id = *parse_trace_id_hex("80f198ee56343ba864fe8b2a57d3eff7");
  context.span_id = *parse_span_id_hex("e457b5a2e4d86bd1");
  context.flags = flags;
  return context;
}

TEST(B3, FormatsSingleAndMultiWithoutParentSpanId) {
  EXPECT_EQ(format_b3_single(context_with(kSampled)),
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1");
  EXPECT_EQ(format_b3_single(context_with(0)),
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0");
  EXPECT_EQ(format_b3_single(context_with(kDebug)),
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d");
  EXPECT_EQ(format_b3_single(SpanContext{}), "");

  using Headers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(format_b3_multi(context_with(kSampled)),
            (Headers{{"X-B3-TraceId", "80f198ee56343ba864fe8b2a57d3eff7"},
                     {"X-B3-SpanId", "e457b5a2e4d86bd1"},
                     {"X-B3-Sampled", "1"}}));
  EXPECT_EQ(format_b3_multi(context_with(kDebug)),
            (Headers{{"X-B3-TraceId", "80f198ee56343ba864fe8b2a57d3eff7"},
                     {"X-B3-SpanId", "e457b5a2e4d86bd1"},
                     {"X-B3-Flags", "1"}}));
  EXPECT_TRUE(format_b3_multi(SpanContext{}).empty());
}

TEST(B3, RoundTrips) {
  for (std::uint8_t flags : {std::uint8_t{0}, kSampled, kDebug}) {
    SpanContext context = context_with(flags);
    context.remote = true;
    EXPECT_EQ(parse_b3_single(format_b3_single(context))->context, context);
    const auto headers = format_b3_multi(context);
    std::optional<std::string_view> sampled, debug;
    for (const auto& [name, value] : headers) {
      if (name == kB3SampledHeader) sampled = value;
      if (name == kB3FlagsHeader) debug = value;
    }
    EXPECT_EQ(parse_b3_multi(headers[0].second, headers[1].second, sampled, debug), context);
  }
}

}  // namespace
}  // namespace chaostracing
