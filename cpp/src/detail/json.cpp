// SPDX-License-Identifier: Apache-2.0
#include "detail/json.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "detail/utf8.hpp"

namespace chaostracing::detail {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void append_escaped_ascii(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\b':
      out.append("\\b");
      return;
    case '\f':
      out.append("\\f");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    default:
      if (c < 0x20) {
        out.append("\\u00");
        out.push_back(kHexDigits[c >> 4]);
        out.push_back(kHexDigits[c & 0x0f]);
      } else {
        out.push_back(static_cast<char>(c));
      }
  }
}

template <typename T>
void append_scalar(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    append_json_string(out, v);
  } else if constexpr (std::is_same_v<T, bool>) {
    out.append(v ? "true" : "false");
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    append_decimal(out, v);
  } else {
    append_json_number(out, v);
  }
}

// The one JSON string writer. Bytes that need no escape are appended a run at a time, not
// one by one (a third of a report's cost otherwise). For a <script> element (kForScript),
// "<", ">", "&", U+2028 and U+2029 are escaped as well.
template <bool kForScript>
void append_escaped_string(std::string& out, std::string_view s) {
  static constexpr auto kPlain = [] {
    std::array<bool, 128> plain{};
    for (unsigned c = 0x20; c < 0x80; ++c) {
      plain[c] = c != '"' && c != '\\' && (!kForScript || (c != '<' && c != '>' && c != '&'));
    }
    return plain;
  }();
  out.push_back('"');
  std::size_t run = 0;  // the first byte not appended yet
  std::size_t i = 0;
  const auto flush = [&] { out.append(s.data() + run, i - run); };
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (kPlain[c]) {
        ++i;
        continue;
      }
      flush();
      if (kForScript && (c == '<' || c == '>' || c == '&')) {
        out.append("\\u00");
        out.push_back(kHexDigits[c >> 4]);
        out.push_back(kHexDigits[c & 0x0f]);
      } else {
        append_escaped_ascii(out, c);
      }
      run = ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      flush();
      out.append(kReplacementCharacter);
      run = ++i;
    } else if (kForScript && n == 3 && c == 0xE2 && s[i + 1] == '\x80' &&
               (s[i + 2] == '\xA8' || s[i + 2] == '\xA9')) {
      flush();
      out.append(s[i + 2] == '\xA8' ? "\\u2028" : "\\u2029");
      run = i += n;
    } else {
      i += n;
    }
  }
  flush();
  out.push_back('"');
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  append_escaped_string<false>(out, s);
}

void append_json_string_for_script(std::string& out, std::string_view s) {
  append_escaped_string<true>(out, s);
}

void append_decimal(std::string& out, std::int64_t v) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, result.ptr);
}

void append_python_float_repr(std::string& out, double v) {
  // to_chars' shortest scientific form ("-1.25e+02") gives the digits and the exponent;
  // CPython's repr() lays the same digits out by its own rule (float_repr_style "short").
  char buf[40];
  const auto result = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view text(buf, static_cast<std::size_t>(result.ptr - buf));
  if (!text.empty() && text.front() == '-') {
    out.push_back('-');
    text.remove_prefix(1);
  }
  const auto e_at = text.find('e');
  std::string digits;
  for (const char c : text.substr(0, e_at)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  const auto exponent_text = text.substr(e_at + 1);
  std::from_chars(exponent_text.data() + (exponent_text.front() == '+' ? 1 : 0),
                  exponent_text.data() + exponent_text.size(), exponent);
  const int point = exponent + 1;  // digits before the decimal point, positionally
  const auto count = static_cast<int>(digits.size());
  if (point <= -4 || point > 16) {
    out.push_back(digits.front());
    if (count > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(exponent < 0 ? '-' : '+');
    const int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) out.push_back('0');
    out.append(std::to_string(magnitude));
  } else if (point <= 0) {
    out.append("0.");
    out.append(static_cast<std::size_t>(-point), '0');
    out.append(digits);
  } else if (point < count) {
    out.append(digits, 0, static_cast<std::size_t>(point));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(point));
  } else {
    out.append(digits);
    out.append(static_cast<std::size_t>(point - count), '0');
    out.append(".0");
  }
}

void append_json_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("\"NaN\"");
  } else if (std::isinf(v)) {
    out.append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else if (v == 0 && std::signbit(v)) {
    out.append("-0.0");  // to_chars gives "-0", which JSON readers take for the integer 0
  } else {
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof buf, v);
    const std::string_view text(buf, static_cast<std::size_t>(result.ptr - buf));
    out.append(text);
    // An integral double keeps a ".0" (as Python, Java and JavaScript print it), so that a
    // tag reads as the float it was and a JSON reader does not take it for an integer.
    if (text.find_first_of(".e") == std::string_view::npos) out.append(".0");
  }
}

void append_json_value(std::string& out, const AttributeValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                      std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          append_scalar(out, v);
        } else {
          out.push_back('[');
          bool first = true;
          for (const auto& element : v) {
            if (!first) out.push_back(',');
            first = false;
            // std::vector<bool> yields proxies; the cast picks the right overload.
            append_scalar(out, static_cast<typename T::value_type>(element));
          }
          out.push_back(']');
        }
      },
      value);
}

std::string attribute_to_string(const AttributeValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* d = std::get_if<double>(&value)) {
    // Bare NaN/Infinity read better in a tag than the quoted JSON forms.
    if (std::isnan(*d)) return "NaN";
    if (std::isinf(*d)) return *d > 0 ? "Infinity" : "-Infinity";
  }
  std::string out;
  append_json_value(out, value);
  return out;
}

std::string utf8_repaired(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  append_utf8_repaired(out, s);
  return out;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  // Back off over continuation bytes so the cut lands on a sequence boundary.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

}  // namespace chaostracing::detail
