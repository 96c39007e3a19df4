// SPDX-License-Identifier: Apache-2.0
// RetryPolicy: which export failures are worth retrying and how long to wait before the next
// attempt — exponential backoff with jitter, or the server's Retry-After when it sent one
// (https://opentelemetry.io/docs/specs/otlp/#otlphttp-throttling). Pure functions over plain
// values: thread-safe, never throw. parse_retry_after() reads outside input and accepts only
// what RFC 9110 §10.2.3 allows (delta-seconds or an IMF-fixdate).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace chaostracing {

struct RetryPolicy {
  // The wait before the first retry; doubled (multiplier) for every further one.
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{5000};
  double multiplier = 2.0;
  // A Retry-After longer than this is treated as this long (the export deadline still wins).
  std::chrono::milliseconds max_retry_after{60000};
};

// OTLP's retryable statuses: 429, 502, 503, 504. A status of 0 (no HTTP answer: refused,
// reset, DNS) is retryable too, except a cancelled transfer, which the caller checks.
bool is_retryable_status(long status) noexcept;

// A 4xx other than 429 (and 408): the backend will never take this request, so it is neither
// retried nor kept for later.
bool is_rejected_status(long status) noexcept;

// The wait before retry number `retry` (1 for the first retry): "equal jitter", half of the
// exponential step plus `unit_random` (in [0, 1)) times the other half.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, unsigned retry,
                                        double unit_random) noexcept;

// "120" → 120 s; "Wed, 21 Oct 2015 07:28:00 GMT" → the time from `now` to then (0 if past).
// nullopt for anything else (negative, fractional, other date formats, trailing junk).
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) noexcept;

}  // namespace chaostracing
