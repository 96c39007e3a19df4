// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace chaostracing {
namespace {

TEST(Ids, GeneratedIdsAreNonZeroAndDistinct) {
  std::set<SpanId> span_ids;
  std::set<std::string> trace_ids;
  for (int i = 0; i < 10000; ++i) {
    const SpanId s = new_span_id();
    const TraceId t = new_trace_id();
    EXPECT_NE(s, 0u);
    EXPECT_TRUE(is_valid_trace_id(t));
    span_ids.insert(s);
    trace_ids.insert(trace_id_to_hex(t));
  }
  EXPECT_EQ(span_ids.size(), 10000u);
  EXPECT_EQ(trace_ids.size(), 10000u);
}

TEST(Ids, ThreadsGetDifferentSequences) {
  SpanId a = 0;
  SpanId b = 0;
  std::thread t1([&] { a = new_span_id(); });
  std::thread t2([&] { b = new_span_id(); });
  t1.join();
  t2.join();
  EXPECT_NE(a, b);
}

TEST(Ids, HexRoundTrip) {
  const TraceId t = new_trace_id();
  const std::string hex = trace_id_to_hex(t);
  ASSERT_EQ(hex.size(), 32u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(parse_trace_id_hex(hex), t);

  const SpanId s = new_span_id();
  EXPECT_EQ(span_id_to_hex(s).size(), 16u);
  EXPECT_EQ(parse_span_id_hex(span_id_to_hex(s)), s);
}

TEST(Ids, HexFormatIsBigEndianLowerCase) {
  EXPECT_EQ(span_id_to_hex(0x00f067aa0ba902b7ULL), "00f067aa0ba902b7");
  TraceId t{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
            0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
  EXPECT_EQ(trace_id_to_hex(t), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parse_trace_id_hex("4BF92F3577B34DA6A3CE929D0E0E4736"), t);
}

TEST(Ids, ParseRejectsInvalid) {
  EXPECT_FALSE(parse_trace_id_hex(""));
  EXPECT_FALSE(parse_trace_id_hex("00000000000000000000000000000000"));
  EXPECT_FALSE(parse_trace_id_hex("4bf92f3577b34da6a3ce929d0e0e473"));
  EXPECT_FALSE(parse_trace_id_hex("4bf92f3577b34da6a3ce929d0e0e473g"));
  EXPECT_FALSE(parse_span_id_hex("0000000000000000"));
  EXPECT_FALSE(parse_span_id_hex("00f067aa0ba902b"));
  EXPECT_FALSE(parse_span_id_hex("00f067aa0ba902bz"));
}

}  // namespace
}  // namespace chaostracing
