// SPDX-License-Identifier: Apache-2.0
// Character-level helpers for the propagation parsers: HTTP whitespace and tokens, hex ids,
// percent-encoding. Everything takes untrusted text, never throws (except bad_alloc) and
// never reads past the view it is given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chaostracing/span.hpp"

namespace chaostracing::detail {

// OWS = *( SP / HTAB ) (RFC 9110 §5.6.3).
constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }
std::string_view trim_ows(std::string_view s) noexcept;

bool iequals(std::string_view a, std::string_view b) noexcept;
bool istarts_with(std::string_view s, std::string_view prefix) noexcept;
std::string ascii_lower(std::string_view s);

// RFC 9110 §5.6.2 tchar / token (non-empty).
bool is_tchar(unsigned char c) noexcept;
bool is_token(std::string_view s) noexcept;

// -1 when `c` is not a hex digit; upper case is accepted only when lower_only is false.
int hex_value(char c, bool lower_only) noexcept;
bool is_hex(std::string_view s, bool lower_only) noexcept;

// Hex ids of at most 32 (trace) or 16 (span) digits, left-padded with zeros as B3 and Jaeger
// require for shorter ones. Zero ids are returned as is: validity is the caller's rule.
std::optional<TraceId> trace_id_from_hex(std::string_view hex, bool lower_only) noexcept;
std::optional<SpanId> span_id_from_hex(std::string_view hex, bool lower_only) noexcept;

void append_hex(std::string& out, std::uint8_t byte);

// %XX escapes (either case); with plus_is_space, '+' decodes to a space (form encoding).
// std::nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

// Escapes as %XX (upper case) every byte for which keep(byte) is false.
std::string percent_encode(std::string_view s, bool (*keep)(unsigned char) noexcept);

// Calls f(piece) for each piece of `s` between separators (an empty `s` gives one empty piece).
// Stops early, returning false, when f returns false.
template <typename F>
bool for_each_split(std::string_view s, char separator, F&& f) {
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = s.find(separator, begin);
    if (end == std::string_view::npos) return f(s.substr(begin));
    if (!f(s.substr(begin, end - begin))) return false;
    begin = end + 1;
  }
}

}  // namespace chaostracing::detail
