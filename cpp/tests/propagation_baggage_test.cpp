// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chaostracing/propagation/baggage.hpp"

namespace chaostracing {
namespace {

TEST(Baggage, ParsesTheSpecExamples) {
  struct Case {
    std::string value;
    Baggage expected;
  };
  for (const auto& [value, expected] : std::vector<Case>{
           {"userId=alice,serverNode=DF%2028,isProduction=false",
            {{"userId", "alice", ""}, {"serverNode", "DF 28", ""}, {"isProduction", "false", ""}}},
           {"userId =   alice, serverNode = DF%2028, isProduction = false",
            {{"userId", "alice", ""}, {"serverNode", "DF 28", ""}, {"isProduction", "false", ""}}},
           {"key1=value1;property1;property2, key2 = value2, key3=value3; "
            "propertyKey=propertyValue",
            {{"key1", "value1", "property1;property2"},
             {"key2", "value2", ""},
             {"key3", "value3", "propertyKey=propertyValue"}}},
           // '=' inside a value; an empty value; percent-decoding of UTF-8
           {"k=a=b=c,e=,u=caf%C3%A9%E2%98%83",
            {{"k", "a=b=c", ""}, {"e", "", ""}, {"u", "café☃", ""}}},
           // a '+' is a plus sign, not a space
           {"p=1+1", {{"p", "1+1", ""}}},
           // empty members and OWS-only members are ignored
           {" , ,\t,a=1,,", {{"a", "1", ""}}},
           {"", {}},
           // duplicated key: first position, last value
           {"a=1,b=2,a=3", {{"a", "3", ""}, {"b", "2", ""}}},
       }) {
    EXPECT_EQ(parse_baggage(value), expected) << value;
  }
}

TEST(Baggage, DropsInvalidMembersOnly) {
  for (const std::string& bad : std::vector<std::string>{
           "novalue",        // no '='
           "=v",             // empty key
           "a b=v",          // key is not a token
           "k\x01=v",        // control character in the key
           "k=a b",          // space inside the value
           "k=\"quoted\"",   // DQUOTE
           "k=back\\slash",  // backslash
           "k=caf\xc3\xa9",  // raw non-ASCII must be percent-encoded
           "k=%",            // truncated escape
           "k=%2",           // truncated escape
           "k=%zz",          // non-hex escape
           "k=v;",           // allowed: empty property list (kept below)
           "k=v;;p",         // empty property
           "k=v;p q",        // property key not a token
           "k=v;p=a b",      // property value with a space
       }) {
    const auto parsed = parse_baggage("first=1," + bad + ",last=2");
    ASSERT_GE(parsed.size(), 2u) << bad;
    EXPECT_EQ(parsed.front(), (BaggageEntry{"first", "1", ""})) << bad;
    EXPECT_EQ(parsed.back(), (BaggageEntry{"last", "2", ""})) << bad;
    const bool kept = bad == "k=v;";
    EXPECT_EQ(parsed.size(), kept ? 3u : 2u) << bad;
  }
}

TEST(Baggage, InvalidUtf8BecomesReplacementCharacters) {
  const auto parsed = parse_baggage("k=%FF%C3");
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].value, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Baggage, KeepsAtMost180Members) {
  std::string value;
  for (int i = 0; i < 200; ++i) value += "k" + std::to_string(i) + "=v,";
  const auto parsed = parse_baggage(value);
  ASSERT_EQ(parsed.size(), kMaxBaggageMembers);
  EXPECT_EQ(parsed.back().key, "k179");
  // Later duplicates still update kept keys.
  EXPECT_EQ(parse_baggage(value + "k0=new")[0].value, "new");
}

TEST(Baggage, KeepsAtMost8192BytesOfWholeMembers) {
  // 3 members of 3000 bytes: the third does not fit, a later small one does.
  const std::string big(2998, 'x');
  const auto parsed = parse_baggage("a=" + big + ",b=" + big + ",c=" + big + ",d=1");
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0].key, "a");
  EXPECT_EQ(parsed[1].key, "b");
  EXPECT_EQ(parsed[2].key, "d");
  EXPECT_LE(format_baggage(parsed).size(), kMaxBaggageBytes);

  // One member over the limit on its own is dropped.
  EXPECT_TRUE(parse_baggage("a=" + std::string(kMaxBaggageBytes, 'x')).empty());
  // Exactly 8192 bytes is kept.
  EXPECT_EQ(parse_baggage("a=" + std::string(kMaxBaggageBytes - 2, 'x')).size(), 1u);
}

TEST(Baggage, FormatsWithPercentEncoding) {
  struct Case {
    Baggage baggage;
    std::string formatted;
  };
  for (const auto& [baggage, formatted] : std::vector<Case>{
           {{{"userId", "alice", ""}, {"serverNode", "DF 28", ""}},
            "userId=alice,serverNode=DF%2028"},
           {{{"k", "a,b;c\\d\"e%f+g=h", ""}}, "k=a%2Cb%3Bc%5Cd%22e%25f%2Bg=h"},
           {{{"u", "café", ""}}, "u=caf%C3%A9"},
           {{{"e", "", ""}}, "e="},
           {{{"k", "v", "p1;p2=x"}}, "k=v;p1;p2=x"},
           {{{"k", "v", " p1 ; p2 = x "}}, "k=v;p1;p2=x"},
           // an invalid key skips the entry, invalid metadata is left out
           {{{"bad key", "v", ""}, {"", "v", ""}, {"k", "v", "p q"}}, "k=v"},
           {{}, ""},
       }) {
    EXPECT_EQ(format_baggage(baggage), formatted);
  }
}

// Found by cpp/fuzz/baggage_fuzzer.cpp: invalid UTF-8 grows when repaired (1 byte, %FF, becomes
// U+FFFD, %EF%BF%BD), so format wrote members that parse then dropped as over the limit.
TEST(Baggage, FormatRepairsUtf8SoThatLimitsAgree) {
  EXPECT_EQ(format_baggage({{"k", "a\xff", ""}}), "k=a%EF%BF%BD");
  const Baggage near_limit{{"k", std::string(1000, '\xff'), ""}, {"small", "1", ""}};
  const std::string formatted = format_baggage(near_limit);
  EXPECT_EQ(formatted, "small=1");
  EXPECT_EQ(parse_baggage(formatted), (Baggage{{"small", "1", ""}}));
}

TEST(Baggage, RoundTrips) {
  const Baggage baggage{{"a", "plain", ""},
                        {"b", " spaces around ", ""},
                        {"c", "all: ,;\\\"%+=\t\n\x7f", ""},
                        {"d", "☃ snow", "prop;x=1"},
                        {"e", "", ""}};
  EXPECT_EQ(parse_baggage(format_baggage(baggage)), baggage);
}

}  // namespace
}  // namespace chaostracing
