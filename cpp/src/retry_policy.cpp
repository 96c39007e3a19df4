// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace chaostracing {
namespace {

constexpr std::string_view kWeekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Exactly `width` digits at text[pos].
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (!is_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil), so no timegm()/locale is involved.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters). Seconds since the epoch.
std::optional<std::int64_t> parse_imf_fixdate(std::string_view s) {
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::find(std::begin(kWeekdays), std::end(kWeekdays), s.substr(0, 3)) ==
      std::end(kWeekdays)) {
    return std::nullopt;
  }
  const auto month_it = std::find(std::begin(kMonths), std::end(kMonths), s.substr(8, 3));
  if (month_it == std::end(kMonths)) return std::nullopt;
  const unsigned month = static_cast<unsigned>(month_it - std::begin(kMonths)) + 1;
  const auto day = digits(s, 5, 2);
  const auto year = digits(s, 12, 4);
  const auto hour = digits(s, 17, 2);
  const auto minute = digits(s, 20, 2);
  const auto second = digits(s, 23, 2);
  if (!day || !year || !hour || !minute || !second) return std::nullopt;
  static constexpr std::array<int, 12> kDaysIn = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int days_in_month = kDaysIn[month - 1] + (month == 2 && is_leap(*year) ? 1 : 0);
  // 60 is a leap second, which the grammar allows.
  if (*day < 1 || *day > days_in_month || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  return days_from_civil(*year, month, static_cast<unsigned>(*day)) * 86400 + *hour * 3600 +
         *minute * 60 + *second;
}

}  // namespace

bool is_retryable_status(long status) noexcept {
  return status == 0 || status == 429 || status == 502 || status == 503 || status == 504;
}

bool is_rejected_status(long status) noexcept {
  return status >= 400 && status < 500 && status != 429 && status != 408;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, unsigned retry,
                                        double unit_random) noexcept {
  const double initial =
      static_cast<double>(std::max<std::int64_t>(0, policy.initial_backoff.count()));
  const double cap = static_cast<double>(std::max<std::int64_t>(0, policy.max_backoff.count()));
  const double exponent = static_cast<double>(retry == 0 ? 0 : retry - 1);
  double step = initial * std::pow(std::max(1.0, policy.multiplier), exponent);
  if (!(step <= cap)) step = cap;  // also catches inf and NaN
  const double r = unit_random >= 0.0 && unit_random < 1.0 ? unit_random : 0.5;
  return std::chrono::milliseconds(static_cast<std::int64_t>(step / 2 + r * step / 2));
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) noexcept {
  // Optional whitespace around a field value is not part of it (RFC 9110 §5.5).
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), is_digit)) {
    // delta-seconds; anything past a day is as good as a day (the caller caps it anyway).
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = std::min<std::int64_t>(seconds * 10 + (c - '0'), 86400);
    }
    return std::chrono::seconds(seconds);
  }
  const auto when = parse_imf_fixdate(value);
  if (!when) return std::nullopt;
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t then_ms = *when * 1000;
  return std::chrono::milliseconds(std::max<std::int64_t>(0, then_ms - now_ms));
}

}  // namespace chaostracing
