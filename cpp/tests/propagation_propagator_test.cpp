// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "chaostracing/propagation/propagator.hpp"

namespace chaostracing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::optional<SpanContext> extract_from(PropagationFormat format, const Headers& headers) {
  return extract(format, HeaderListGetter(headers));
}

Headers inject_into(PropagationFormat format, const SpanContext& context,
                    const Baggage& baggage = {}) {
  Headers out;
  inject(format, context, baggage,
         [&](std::string_view name, std::string_view value) { out.emplace_back(name, value); });
  return out;
}

SpanContext sample_context(std::uint8_t flags = SpanContext::kSampled) {
  SpanContext context;
  context.trace_id = *parse_trace_id_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  context.span_id = *parse_span_id_hex("00f067aa0ba902b7");
  context.flags = flags;
  context.remote = true;
  return context;
}

TEST(PropagationFormat, NamesRoundTrip) {
  for (auto format :
       {PropagationFormat::kTraceContext, PropagationFormat::kBaggage, PropagationFormat::kB3,
        PropagationFormat::kB3Multi, PropagationFormat::kJaeger}) {
    EXPECT_EQ(parse_propagation_format(propagation_format_name(format)), format);
  }
  EXPECT_FALSE(parse_propagation_format("xray"));
  EXPECT_FALSE(parse_propagation_format("B3"));
  EXPECT_FALSE(parse_propagation_format(""));
}

TEST(HeaderListGetter, MatchesNamesCaseInsensitively) {
  const Headers headers{
      {"TraceParent", "a"}, {"x", "b"}, {"TRACEPARENT", "c"}, {"trace-parent", "d"}};
  const HeaderListGetter getter(headers);
  EXPECT_EQ(getter.get("traceparent"), (std::vector<std::string_view>{"a", "c"}));
  EXPECT_EQ(getter.get("X"), (std::vector<std::string_view>{"b"}));
  EXPECT_TRUE(getter.get("missing").empty());
  EXPECT_EQ(getter.keys().size(), 4u);
}

TEST(Extract, TraceContextInAnyCase) {
  for (const std::string& name :
       std::vector<std::string>{"traceparent", "TraceParent", "TrAcEpArEnT", "TRACEPARENT"}) {
    const auto context =
        extract_from(PropagationFormat::kTraceContext,
                     {{name, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                      {"TraceState", "foo=1"}});
    ASSERT_TRUE(context) << name;
    EXPECT_EQ(*context, [] {
      auto c = sample_context();
      c.trace_state = "foo=1";
      return c;
    }());
  }
}

TEST(Extract, TraceContextRules) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  // Several tracestate lines are combined in order; empty ones are fine.
  auto context = extract_from(PropagationFormat::kTraceContext, {{"traceparent", tp},
                                                                 {"tracestate", "foo=1,bar=2"},
                                                                 {"tracestate", ""},
                                                                 {"Tracestate", "rojo=1,congo=2"}});
  ASSERT_TRUE(context);
  EXPECT_EQ(context->trace_state, "foo=1,bar=2,rojo=1,congo=2");
  // A duplicated key across lines, or an invalid member, drops tracestate but not the context.
  for (const Headers& headers :
       {Headers{{"traceparent", tp}, {"tracestate", "foo=1"}, {"tracestate", "foo=2"}},
        Headers{{"traceparent", tp}, {"tracestate", "foo=1,BAD=2"}}}) {
    context = extract_from(PropagationFormat::kTraceContext, headers);
    ASSERT_TRUE(context);
    EXPECT_EQ(context->trace_state, "");
  }
  // Two traceparent lines, a wrong name, or none: no context.
  EXPECT_FALSE(
      extract_from(PropagationFormat::kTraceContext, {{"traceparent", tp}, {"TraceParent", tp}}));
  EXPECT_FALSE(extract_from(PropagationFormat::kTraceContext, {{"trace-parent", tp}}));
  EXPECT_FALSE(extract_from(PropagationFormat::kTraceContext, {{"tracestate", "foo=1"}}));
  EXPECT_FALSE(extract_from(PropagationFormat::kTraceContext, {}));
  // Baggage carries no span context.
  EXPECT_FALSE(extract_from(PropagationFormat::kBaggage, {{"traceparent", tp}}));
}

TEST(Extract, B3PrefersTheSingleHeader) {
  const Headers both{{"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d"},
                     {"X-B3-TraceId", "463ac35c9f6413ad48485a3953bb6124"},
                     {"X-B3-SpanId", "a2fb4a1d1a96d312"},
                     {"X-B3-Sampled", "1"}};
  for (auto format : {PropagationFormat::kB3, PropagationFormat::kB3Multi}) {
    auto context = extract_from(format, both);
    ASSERT_TRUE(context);
    EXPECT_EQ(trace_id_to_hex(context->trace_id), "80f198ee56343ba864fe8b2a57d3eff7");
    EXPECT_TRUE(context->debug());
    EXPECT_TRUE(context->sampled());

    // A malformed single header falls back to the multi headers, in any case.
    Headers fallback = both;
    fallback[0].second = "garbage";
    for (auto& [name, value] : fallback)
      name = name == "b3" ? "B3" : std::string("x-b3-") + name.substr(5);
    context = extract_from(format, fallback);
    ASSERT_TRUE(context);
    EXPECT_EQ(trace_id_to_hex(context->trace_id), "463ac35c9f6413ad48485a3953bb6124");
    EXPECT_EQ(context->flags, SpanContext::kSampled);

    // A well-formed deny-only single header wins, and carries no context.
    Headers deny = both;
    deny[0].second = "0";
    EXPECT_FALSE(extract_from(format, deny));
  }
  EXPECT_FALSE(
      extract_from(PropagationFormat::kB3, {{"X-B3-TraceId", "463ac35c9f6413ad48485a3953bb6124"}}));
}

TEST(Extract, Jaeger) {
  auto context =
      extract_from(PropagationFormat::kJaeger,
                   {{"Uber-Trace-Id", "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1"}});
  ASSERT_TRUE(context);
  EXPECT_EQ(*context, sample_context());
  EXPECT_FALSE(extract_from(PropagationFormat::kJaeger,
                            {{"uber-trace-id", "1:2:0:1"}, {"UBER-TRACE-ID", "1:2:0:1"}}));
  EXPECT_FALSE(extract_from(PropagationFormat::kJaeger, {{"uber-trace-id", "0:2:0:1"}}));
}

TEST(ExtractBaggage, W3cAndJaeger) {
  const Headers headers{{"Baggage", "a=1,b=two%20words"},
                        {"baggage", "c=3"},
                        {"uberctx-User", "alice%20b"},
                        {"UBERCTX-plus", "x+y"},
                        {"uberctx-bad", "%zz"},
                        {"uberctx-dup", "1"},
                        {"Uberctx-Dup", "2"},
                        {"uberctx-", "no key"},
                        {"uberctx-a b", "not a token"}};
  const HeaderListGetter getter(headers);
  EXPECT_EQ(extract_baggage(PropagationFormat::kBaggage, getter),
            (Baggage{{"a", "1", ""}, {"b", "two words", ""}, {"c", "3", ""}}));
  EXPECT_EQ(extract_baggage(PropagationFormat::kJaeger, getter),
            (Baggage{{"user", "alice b", ""}, {"plus", "x y", ""}}));
  EXPECT_TRUE(extract_baggage(PropagationFormat::kTraceContext, getter).empty());
  EXPECT_TRUE(extract_baggage(PropagationFormat::kB3, getter).empty());
}

TEST(Inject, WritesEachFormat) {
  auto context = sample_context();
  context.trace_state = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
  const Baggage baggage{{"userId", "alice", ""}, {"node", "DF 28", ""}};
  EXPECT_EQ(inject_into(PropagationFormat::kTraceContext, context, baggage),
            (Headers{{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                     {"tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}}));
  EXPECT_EQ(inject_into(PropagationFormat::kBaggage, context, baggage),
            (Headers{{"baggage", "userId=alice,node=DF%2028"}}));
  EXPECT_EQ(inject_into(PropagationFormat::kB3, context, baggage),
            (Headers{{"b3", "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"}}));
  EXPECT_EQ(inject_into(PropagationFormat::kB3Multi, context, baggage),
            (Headers{{"X-B3-TraceId", "4bf92f3577b34da6a3ce929d0e0e4736"},
                     {"X-B3-SpanId", "00f067aa0ba902b7"},
                     {"X-B3-Sampled", "1"}}));
  EXPECT_EQ(inject_into(PropagationFormat::kJaeger, context, baggage),
            (Headers{{"uber-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1"},
                     {"uberctx-userid", "alice"},
                     {"uberctx-node", "DF%2028"}}));
}

TEST(Inject, InvalidContextWritesOnlyBaggage) {
  const Baggage baggage{{"k", "v", ""}, {"bad key", "v", ""}};
  EXPECT_TRUE(inject_into(PropagationFormat::kTraceContext, SpanContext{}, baggage).empty());
  EXPECT_TRUE(inject_into(PropagationFormat::kB3, SpanContext{}, baggage).empty());
  EXPECT_TRUE(inject_into(PropagationFormat::kB3Multi, SpanContext{}, baggage).empty());
  EXPECT_EQ(inject_into(PropagationFormat::kJaeger, SpanContext{}, baggage),
            (Headers{{"uberctx-k", "v"}}));
  EXPECT_EQ(inject_into(PropagationFormat::kBaggage, SpanContext{}, baggage),
            (Headers{{"baggage", "k=v"}}));
  EXPECT_TRUE(inject_into(PropagationFormat::kBaggage, sample_context(), {}).empty());
}

TEST(Inject, InvalidTraceStateIsLeftOut) {
  auto context = sample_context();
  context.trace_state = "BAD=1";
  EXPECT_EQ(inject_into(PropagationFormat::kTraceContext, context).size(), 1u);
}

TEST(InjectThenExtract, RoundTripsEveryFormat) {
  for (std::uint8_t flags : {std::uint8_t{0}, SpanContext::kSampled,
                             std::uint8_t(SpanContext::kSampled | SpanContext::kDebug)}) {
    auto context = sample_context(flags);
    for (auto format : {PropagationFormat::kTraceContext, PropagationFormat::kB3,
                        PropagationFormat::kB3Multi, PropagationFormat::kJaeger}) {
      auto expected = context;
      // traceparent has no debug bit.
      if (format == PropagationFormat::kTraceContext) expected.flags &= SpanContext::kW3cFlags;
      EXPECT_EQ(extract_from(format, inject_into(format, context)), expected)
          << propagation_format_name(format) << " flags " << int(flags);
    }
  }
  const Baggage baggage{{"a", "1 2", ""}, {"b", "ü", ""}};
  for (auto format : {PropagationFormat::kBaggage, PropagationFormat::kJaeger}) {
    const auto headers = inject_into(format, SpanContext{}, baggage);
    EXPECT_EQ(extract_baggage(format, HeaderListGetter(headers)), baggage);
  }
}

}  // namespace
}  // namespace chaostracing
