// SPDX-License-Identifier: Apache-2.0
#include "detail/header_text.hpp"

namespace chaostracing::detail {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kUpperHexDigits[] = "0123456789ABCDEF";

constexpr char lower_char(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower_char(a[i]) != lower_char(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_char(c);
  return out;
}

bool is_tchar(unsigned char c) noexcept {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

int hex_value(char c, bool lower_only) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (!lower_only && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_hex(std::string_view s, bool lower_only) noexcept {
  for (char c : s) {
    if (hex_value(c, lower_only) < 0) return false;
  }
  return true;
}

std::optional<TraceId> trace_id_from_hex(std::string_view hex, bool lower_only) noexcept {
  if (hex.empty() || hex.size() > 32 || !is_hex(hex, lower_only)) return std::nullopt;
  TraceId id{};
  // Right-align the digits: digit k of the 32-digit form is nibble k of the 16 bytes.
  const std::size_t pad = 32 - hex.size();
  for (std::size_t i = 0; i < hex.size(); ++i) {
    const std::size_t nibble = pad + i;
    const auto v = static_cast<std::uint8_t>(hex_value(hex[i], lower_only));
    id[nibble / 2] |= static_cast<std::uint8_t>(nibble % 2 == 0 ? v << 4 : v);
  }
  return id;
}

std::optional<SpanId> span_id_from_hex(std::string_view hex, bool lower_only) noexcept {
  if (hex.empty() || hex.size() > 16 || !is_hex(hex, lower_only)) return std::nullopt;
  SpanId id = 0;
  for (char c : hex) id = (id << 4) | static_cast<SpanId>(hex_value(c, lower_only));
  return id;
}

void append_hex(std::string& out, std::uint8_t byte) {
  out.push_back(kHexDigits[byte >> 4]);
  out.push_back(kHexDigits[byte & 0x0f]);
}

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      if (s.size() - i < 3) return std::nullopt;
      const int hi = hex_value(s[i + 1], false);
      const int lo = hex_value(s[i + 2], false);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    }
  }
  return out;
}

std::string percent_encode(std::string_view s, bool (*keep)(unsigned char) noexcept) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (keep(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kUpperHexDigits[c >> 4]);
      out.push_back(kUpperHexDigits[c & 0x0f]);
    }
  }
  return out;
}

}  // namespace chaostracing::detail
