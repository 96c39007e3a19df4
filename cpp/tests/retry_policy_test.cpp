// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/retry_policy.hpp"

#include <gtest/gtest.h>

namespace chaostracing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RetryPolicy, RetryableAndRejectedStatuses) {
  for (long status : {0L, 429L, 502L, 503L, 504L}) EXPECT_TRUE(is_retryable_status(status));
  for (long status : {200L, 400L, 401L, 404L, 408L, 413L, 500L, 501L}) {
    EXPECT_FALSE(is_retryable_status(status)) << status;
  }
  for (long status : {400L, 401L, 403L, 404L, 413L, 415L}) EXPECT_TRUE(is_rejected_status(status));
  for (long status : {0L, 200L, 408L, 429L, 500L, 503L}) {
    EXPECT_FALSE(is_rejected_status(status)) << status;
  }
}

TEST(RetryPolicy, BackoffDoublesWithEqualJitterUpToTheCap) {
  const RetryPolicy policy{
      .initial_backoff = milliseconds(100), .max_backoff = milliseconds(1000), .multiplier = 2.0};
  EXPECT_EQ(backoff_delay(policy, 1, 0.0), milliseconds(50));
  EXPECT_EQ(backoff_delay(policy, 1, 0.999), milliseconds(99));
  EXPECT_EQ(backoff_delay(policy, 2, 0.0), milliseconds(100));
  EXPECT_EQ(backoff_delay(policy, 3, 0.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(policy, 5, 0.0), milliseconds(500));  // 1600 capped at 1000
  EXPECT_EQ(backoff_delay(policy, 1000, 0.0), milliseconds(500));
  // An out-of-range random value is taken as the middle, never as a longer wait.
  EXPECT_EQ(backoff_delay(policy, 1, 7.0), milliseconds(75));
}

TEST(RetryPolicy, ParsesRetryAfterSecondsAndImfDates) {
  const auto now = std::chrono::system_clock::time_point(seconds(1445412480));  // 07:28:00
  EXPECT_EQ(parse_retry_after("120", now), milliseconds(120000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("99999999999999999999", now), milliseconds(86400000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now), milliseconds(5000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Thu, 29 Feb 2024 00:00:00 GMT", now).has_value(), true);
  for (const char* bad : {"", "-1", "1.5", "12a", "soon", "Wed, 21 Oct 2015 07:28:05 UTC",
                          "Wed, 30 Feb 2015 07:28:05 GMT", "Xyz, 21 Oct 2015 07:28:05 GMT",
                          "Wed, 21 Oct 2015 24:28:05 GMT", "Wednesday, 21-Oct-15 07:28:05 GMT",
                          "Thu, 29 Feb 2023 00:00:00 GMT"}) {
    EXPECT_FALSE(parse_retry_after(bad, now).has_value()) << bad;
  }
}

}  // namespace
}  // namespace chaostracing
