// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/attribute_key.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "chaostracing/span.hpp"

namespace chaostracing {
namespace {

TEST(AttributeKey, EqualKeysShareOneInternedString) {
  const std::string text = "chaostoolkit.activity.name.interned";
  AttributeKey a(text);
  AttributeKey b(std::string_view("chaostoolkit.activity.name.interned"));
  ASSERT_TRUE(a.interned());
  EXPECT_EQ(a.data(), b.data());  // the same storage, not equal copies
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, "chaostoolkit.activity.name.interned");
  EXPECT_FALSE(a == AttributeKey("chaostoolkit.activity.name.other"));
}

TEST(AttributeKey, AKeyTooLongToInternIsOwnedAndStillEqual) {
  const std::string text(AttributeKey::kMaxInternedKeySize + 1, 'k');
  AttributeKey owned(text);
  EXPECT_FALSE(owned.interned());
  EXPECT_EQ(owned.view(), text);
  AttributeKey copy = owned;
  EXPECT_EQ(copy, owned);
  EXPECT_NE(copy.data(), owned.data());
  AttributeKey assigned("short");
  assigned = owned;
  EXPECT_EQ(assigned.view(), text);
  const char* storage = owned.data();
  AttributeKey moved = std::move(owned);
  EXPECT_EQ(moved.data(), storage);  // moving an owned key moves its storage, no copy
  EXPECT_EQ(AttributeKey(std::string_view()).view(), "");
}

// In a child process: a full table would leave every later test's keys owned.
TEST(AttributeKeyDeathTest, TheTableIsBoundedAndKeysPastItAreOwned) {
  EXPECT_EXIT(
      {
        std::vector<AttributeKey> keys;
        for (std::size_t i = 0; i < AttributeKey::kMaxInterned + 10; ++i) {
          keys.emplace_back("bounded.key." + std::to_string(i));
        }
        bool ok = AttributeKey::interned_count() <= AttributeKey::kMaxInterned &&
                  keys.front().interned() && !keys.back().interned();
        for (std::size_t i = 0; i < keys.size(); ++i) {
          ok = ok && keys[i] == "bounded.key." + std::to_string(i);
        }
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(AttributeKey, ThreadsInterningTheSameKeysAgree) {
  std::vector<std::thread> threads;
  std::vector<const char*> seen(8);
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) seen[t] = AttributeKey("thread.shared.key").data();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const char* p : seen) EXPECT_EQ(p, seen[0]);
}

TEST(AttributeKey, SetAttributeReplacesByKeyWhateverItsStorage) {
  AttributeList attributes;
  set_attribute(attributes, std::string(AttributeKey::kMaxInternedKeySize + 1, 'x'), true);
  set_attribute(attributes, "service.name", std::string("a"));
  set_attribute(attributes, std::string(AttributeKey::kMaxInternedKeySize + 1, 'x'), false);
  set_attribute(attributes, "service.name", std::string("b"));
  ASSERT_EQ(attributes.size(), 2u);
  EXPECT_EQ(attributes[0].value, AttributeValue(false));
  EXPECT_EQ(attributes[1].value, AttributeValue(std::string("b")));
}

}  // namespace
}  // namespace chaostracing
