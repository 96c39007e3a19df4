// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/redactor.hpp"

#include <gtest/gtest.h>

#include <string>

namespace chaostracing {
namespace {

std::string redacted(const Redactor& r, std::string text) {
  r.redact(text);
  return text;
}

TEST(Redactor, WithoutSecretsNothingChanges) {
  const Redactor r;
  std::string text = "token=abc";
  EXPECT_FALSE(r.redact(text));
  EXPECT_EQ(text, "token=abc");
  EXPECT_TRUE(r.empty());
}

TEST(Redactor, EveryOccurrenceIsReplaced) {
  const Redactor r({"s3cr3t"});
  EXPECT_EQ(redacted(r, "a s3cr3t and s3cr3ts3cr3t"), "a [REDACTED] and [REDACTED][REDACTED]");
  EXPECT_EQ(redacted(r, "s3cr3t"), "[REDACTED]");
}

TEST(Redactor, TextWithoutASecretIsLeftAsIs) {
  const Redactor r({"s3cr3t", "hunter2"});
  std::string text = "s3cr3 hunter";
  EXPECT_FALSE(r.redact(text));
  EXPECT_EQ(text, "s3cr3 hunter");
}

TEST(Redactor, TheLongestSecretStartingAtAPlaceWins) {
  // As Python's re.sub over "abcdef|abc": a shorter prefix must not leave "def" behind.
  const Redactor r({"abc", "abcdef"});
  EXPECT_EQ(redacted(r, "xabcdefy abcx"), "x[REDACTED]y [REDACTED]x");
}

TEST(Redactor, OverlapsResolveLeftToRight) {
  const Redactor r({"bcd", "ab"});
  EXPECT_EQ(redacted(r, "abcd"), "[REDACTED]cd");
}

TEST(Redactor, EmptyAndDuplicateSecretsAreIgnored) {
  const Redactor r({"", "pw", "pw"});
  EXPECT_FALSE(r.empty());
  EXPECT_EQ(redacted(r, "a pw b"), "a [REDACTED] b");
  EXPECT_TRUE(Redactor({""}).empty());
}

TEST(Redactor, WorksOnUtf8Bytes) {
  const Redactor r({"clé"});
  EXPECT_EQ(redacted(r, "la clé: clé"), "la [REDACTED]: [REDACTED]");
}

}  // namespace
}  // namespace chaostracing
