// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chaostracing/propagation/w3c.hpp"

namespace chaostracing {
namespace {

constexpr std::string_view kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kSpanId = "00f067aa0ba902b7";

std::string join(std::vector<std::string> parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

TEST(Traceparent, ParsesTheSpecExamples) {
  struct Case {
    std::string value;
    std::uint8_t flags;
  };
  for (const auto& [value, flags] : std::vector<Case>{
           {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 0x01},
           {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", 0x00},
           // Level 2's random-trace-id flag is kept; reserved bits are cleared.
           {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03", 0x03},
           {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff", 0x03},
           {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09", 0x01},
           // OWS around the value (the W3C test suite's test_traceparent_ows_handling).
           {" \t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t ", 0x01},
           // Future versions: the first four fields, then end or '-'; only "sampled" is read.
           {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 0x01},
           {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-what-the-future-is", 0x01},
           {"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-", 0x00},
       }) {
    const auto context = parse_traceparent(value);
    ASSERT_TRUE(context.has_value()) << value;
    EXPECT_EQ(trace_id_to_hex(context->trace_id), kTraceId);
    EXPECT_EQ(span_id_to_hex(context->span_id), kSpanId);
    EXPECT_EQ(context->flags, flags) << value;
    EXPECT_TRUE(context->remote);
    EXPECT_TRUE(context->trace_state.empty());
  }
}

TEST(Traceparent, RejectsEveryInvalidClass) {
  for (const std::string& value : std::vector<std::string>{
           "",
           "00",
           // version: ff is forbidden, non-hex, upper-case, too long, too short
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           ".0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "0.-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           // version 00 takes nothing after the flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like",
           // a future version must continue with '-'
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what-the-future-will-be-like",
           // trace-id: all zero, non-hex, upper case, too long, too short
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
           "00-.bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e473.-00f067aa0ba902b7-01",
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e47361-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
           // parent-id: all zero, non-hex, upper case, too long, too short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-.0f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b71-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
           // trace-flags: non-hex, upper case, too long, too short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-.0",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0.",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-001",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
           // wrong delimiters
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
           // whitespace inside, a NUL byte
           "00-4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7-01",
           std::string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\0", 55),
       }) {
    EXPECT_FALSE(parse_traceparent(value).has_value()) << value;
  }
}

TEST(Traceparent, FormatsVersion00WithOnlyW3cFlags) {
  SpanContext context;
  context.trace_id = *parse_trace_id_hex(kTraceId);
  context.span_id = *parse_span_id_hex(kSpanId);
  context.flags = SpanContext::kSampled | SpanContext::kDebug;
  EXPECT_EQ(format_traceparent(context), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  context.flags = 0;
  EXPECT_EQ(format_traceparent(context), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  context.span_id = 0;
  EXPECT_EQ(format_traceparent(context), "");
}

TEST(Traceparent, RoundTripsAndDowngradesFutureVersions) {
  for (const std::string& value : std::vector<std::string>{
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
           "00-00000000000000000000000000000001-0000000000000001-02",
       }) {
    EXPECT_EQ(format_traceparent(*parse_traceparent(value)), value);
  }
  EXPECT_EQ(format_traceparent(
                *parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x")),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST(Tracestate, ParsesValidLists) {
  struct Case {
    std::string value;
    std::string normalized;
  };
  const std::string all_key_chars = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
  std::string all_value_chars;
  for (char c = 0x20; c <= 0x7e; ++c) {
    if (c != ',' && c != '=') all_value_chars += c;
  }
  for (const auto& [value, normalized] : std::vector<Case>{
           {"rojo=00f067aa0ba902b7", "rojo=00f067aa0ba902b7"},
           {"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
           {"", ""},
           {" , \t,", ""},
           // OWS around members, empty members, a value's leading spaces are kept
           {"foo=1 \t , \t bar=2, \t baz=3", "foo=1,bar=2,baz=3"},
           {",foo=1,,bar=2,", "foo=1,bar=2"},
           {"foo=  1", "foo=  1"},
           // multi-tenant keys; digits may start a tenant id
           {"t@v=1,0t@v=2", "t@v=1,0t@v=2"},
           {std::string(241, 't') + "@" + std::string(14, 'v') + "=1",
            std::string(241, 't') + "@" + std::string(14, 'v') + "=1"},
           {std::string(256, 'z') + "=1", std::string(256, 'z') + "=1"},
           {all_key_chars + "=" + all_value_chars, all_key_chars + "=" + all_value_chars},
           {"k=" + std::string(256, 'v'), "k=" + std::string(256, 'v')},
       }) {
    const auto entries = parse_tracestate(value);
    ASSERT_TRUE(entries.has_value()) << value;
    EXPECT_EQ(format_tracestate(*entries), normalized) << value;
    EXPECT_EQ(normalize_tracestate(value), normalized);
  }
  const auto entries = parse_tracestate("foo=1,bar=2");
  ASSERT_TRUE(entries);
  EXPECT_EQ(*entries, (TraceState{{"foo", "1"}, {"bar", "2"}}));
}

TEST(Tracestate, InvalidMemberDiscardsTheWholeList) {
  std::vector<std::string> members33;
  for (int i = 1; i <= 33; ++i)
    members33.push_back("bar" + std::to_string(i) + "=" + std::to_string(i));
  for (const std::string& value : std::vector<std::string>{
           // keys: space before '=', upper case, illegal characters, bad vendor format
           std::string("foo =1"),
           std::string("FOO=1"),
           std::string("foo.bar=1"),
           std::string("1foo=1"),
           std::string("foo@=1,bar=2"),
           std::string("@foo=1,bar=2"),
           std::string("foo@@bar=1,bar=2"),
           std::string("foo@bar@baz=1,bar=2"),
           std::string("t@1v=1"),
           // key length limits: 257, tenant 242, system 15
           std::string(257, 'z') + "=1",
           std::string(242, 't') + "@v=1",
           "t@" + std::string(15, 'v') + "=1",
           // values: '=', empty, too long, control characters, non-ASCII
           std::string("foo=bar=baz"),
           std::string("foo=,bar=3"),
           "foo=" + std::string(257, 'v'),
           std::string("foo=a\tb"),
           std::string("foo=\x01"),
           std::string("foo=caf\xc3\xa9"),
           // no '=', duplicated keys, 33 members
           std::string("foo"),
           std::string("foo=1,foo=1"),
           std::string("foo=1,foo=2"),
           join(members33),
       }) {
    EXPECT_FALSE(parse_tracestate(value).has_value()) << value;
    EXPECT_EQ(normalize_tracestate(value), "") << value;
  }
}

TEST(Tracestate, ThirtyTwoMembersAreKept) {
  std::vector<std::string> members;
  for (int i = 1; i <= 32; ++i)
    members.push_back("b" + std::to_string(i) + "=" + std::to_string(i));
  const auto entries = parse_tracestate(join(members));
  ASSERT_TRUE(entries);
  EXPECT_EQ(entries->size(), 32u);
}

TEST(Tracestate, TruncatesWholeEntriesLongOnesFirst) {
  // 3 long entries (200 chars) and short ones; the right-most long entry goes first.
  const std::string long1 = "a=" + std::string(198, '1');
  const std::string long2 = "b=" + std::string(198, '2');
  const std::string long3 = "c=" + std::string(198, '3');
  std::string value = long1 + ",s1=x," + long2 + ",s2=y," + long3;
  // 3 * 200 + 2 * 4 + 4 commas = 612 > 512: dropping long3 alone gives 411.
  EXPECT_EQ(normalize_tracestate(value), long1 + ",s1=x," + long2 + ",s2=y");

  // Short entries only: dropped from the end.
  std::vector<std::string> members;
  for (int i = 0; i < 32; ++i)
    members.push_back("k" + std::to_string(i) + "=" + std::string(15, 'v'));
  const std::string combined = join(members);  // 32 * 18..19 + 31 > 512
  const std::string normalized = normalize_tracestate(combined);
  EXPECT_LE(normalized.size(), kMaxTraceStateChars);
  EXPECT_EQ(combined.rfind(normalized, 0), 0u) << "a prefix of whole entries";
  EXPECT_EQ(combined[normalized.size()], ',');

  // Exactly 512 is kept as is.
  const std::string exact = "k=" + std::string(254, 'v') + ",j=" + std::string(253, 'w');
  ASSERT_EQ(exact.size(), 512u);
  EXPECT_EQ(normalize_tracestate(exact), exact);
}

TEST(Tracestate, FormatSkipsInvalidAndDuplicateEntries) {
  const TraceState entries{{"ok", "1"}, {"BAD", "2"}, {"ok", "3"},
                           {"v", ""},   {"w", "x,y"}, {"z", "9"}};
  EXPECT_EQ(format_tracestate(entries), "ok=1,z=9");
}

}  // namespace
}  // namespace chaostracing
