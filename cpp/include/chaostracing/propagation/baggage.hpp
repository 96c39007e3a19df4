// SPDX-License-Identifier: Apache-2.0
// Baggage: user key/value pairs that travel with a trace, and the W3C `baggage` header that
// carries them (https://www.w3.org/TR/baggage/#header-content). Pure functions over untrusted
// text: invalid members are dropped one by one, limits drop whole members, and nothing throws
// except std::bad_alloc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chaostracing {

struct BaggageEntry {
  std::string key;    // an HTTP token
  std::string value;  // decoded, valid UTF-8
  // The member's properties as "k1=v1;k2" (validated, OWS removed), opaque to us.
  std::string metadata;

  bool operator==(const BaggageEntry&) const = default;
};
using Baggage = std::vector<BaggageEntry>;

inline constexpr std::string_view kBaggageHeader = "baggage";
// https://www.w3.org/TR/baggage/#limits sets minimums (64 members, 8192 bytes); 180 members is
// the earlier draft's maximum, which the OpenTelemetry SDKs still use.
inline constexpr std::size_t kMaxBaggageMembers = 180;
inline constexpr std::size_t kMaxBaggageBytes = 8192;

// `value` is the combined field value (several header lines joined with ','). Values are
// percent-decoded, with invalid UTF-8 replaced by U+FFFD. A duplicated key keeps its first
// position and its last value. Members past 180, or that would take the formatted header over
// 8192 bytes, are dropped.
Baggage parse_baggage(std::string_view value);
// key=percent-encoded-value[;metadata] joined with ','. Invalid UTF-8 in values is replaced by
// U+FFFD, entries whose key is not a token are skipped, invalid metadata is left out, and the
// same limits as parse_baggage() apply.
std::string format_baggage(const Baggage& baggage);

}  // namespace chaostracing
