// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/propagation/baggage.hpp"

#include <optional>
#include <unordered_map>

#include "detail/header_text.hpp"
#include "detail/utf8.hpp"

namespace chaostracing {
namespace {

// baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E: printable US-ASCII except
// DQUOTE, comma, semicolon and backslash (https://www.w3.org/TR/baggage/#definition).
bool is_baggage_octet(unsigned char c) noexcept {
  return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

bool is_baggage_value(std::string_view s) noexcept {
  for (unsigned char c : s) {
    if (!is_baggage_octet(c)) return false;
  }
  return true;
}

// What we leave unescaped: '%' must be escaped, and '+' is escaped too because several
// decoders (form-style) would read it as a space.
bool keep_in_value(unsigned char c) noexcept { return is_baggage_octet(c) && c != '%' && c != '+'; }

// property = key OWS "=" OWS value / key OWS; "" for no properties, std::nullopt if invalid.
std::optional<std::string> normalize_metadata(std::string_view metadata) {
  std::string out;
  if (detail::trim_ows(metadata).empty()) return out;
  const bool ok = detail::for_each_split(metadata, ';', [&](std::string_view property) {
    property = detail::trim_ows(property);
    const auto equals = property.find('=');
    const std::string_view key = detail::trim_ows(property.substr(0, equals));
    if (!detail::is_token(key)) return false;
    if (!out.empty()) out += ';';
    out += key;
    if (equals != std::string_view::npos) {
      const std::string_view value = detail::trim_ows(property.substr(equals + 1));
      if (!is_baggage_value(value)) return false;
      out += '=';
      out += value;
    }
    return true;
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<BaggageEntry> parse_member(std::string_view member) {
  // list-member = key OWS "=" OWS value *( OWS ";" OWS property )
  const auto semicolon = member.find(';');
  const std::string_view head = member.substr(0, semicolon);
  const auto equals = head.find('=');
  if (equals == std::string_view::npos) return std::nullopt;
  const std::string_view key = detail::trim_ows(head.substr(0, equals));
  // The value may itself contain '=' (https://www.w3.org/TR/baggage/#value).
  const std::string_view raw = detail::trim_ows(head.substr(equals + 1));
  if (!detail::is_token(key) || !is_baggage_value(raw)) return std::nullopt;
  auto decoded = detail::percent_decode(raw, false);
  if (!decoded) return std::nullopt;
  std::optional<std::string> metadata = std::string();
  if (semicolon != std::string_view::npos)
    metadata = normalize_metadata(member.substr(semicolon + 1));
  if (!metadata) return std::nullopt;
  BaggageEntry entry{std::string(key), {}, std::move(*metadata)};
  detail::append_utf8_repaired(entry.value, *decoded);
  return entry;
}

// The member as format_baggage() writes it, or "" if it cannot be written.
std::string format_member(const BaggageEntry& entry) {
  if (!detail::is_token(entry.key)) return {};
  std::string out = entry.key;
  out += '=';
  // Repaired before encoding: values are UTF-8 on the wire, and parse_baggage() measures the
  // limits on the repaired value, so both sides agree on what fits.
  std::string value;
  detail::append_utf8_repaired(value, entry.value);
  out += detail::percent_encode(value, keep_in_value);
  if (auto metadata = normalize_metadata(entry.metadata); metadata && !metadata->empty()) {
    out += ';';
    out += *metadata;
  }
  return out;
}

// Calls f(member text) for each entry that fits in the limits, in order.
template <typename F>
void for_each_within_limits(const Baggage& baggage, F&& f) {
  std::size_t members = 0;
  std::size_t bytes = 0;
  for (const auto& entry : baggage) {
    if (members == kMaxBaggageMembers) break;
    std::string member = format_member(entry);
    if (member.empty()) continue;
    const std::size_t added = member.size() + (members == 0 ? 0 : 1);
    // Whole members only (https://www.w3.org/TR/baggage/#mutating-baggage): a later,
    // smaller member may still fit.
    if (bytes + added > kMaxBaggageBytes) continue;
    bytes += added;
    ++members;
    f(entry, member);
  }
}

}  // namespace

Baggage parse_baggage(std::string_view value) {
  Baggage parsed;
  std::unordered_map<std::string, std::size_t> index;
  detail::for_each_split(value, ',', [&](std::string_view member) {
    member = detail::trim_ows(member);
    if (member.empty()) return true;
    auto entry = parse_member(member);
    if (!entry) return true;
    if (auto it = index.find(entry->key); it != index.end()) {
      parsed[it->second] = std::move(*entry);
    } else if (parsed.size() < kMaxBaggageMembers) {
      index.emplace(entry->key, parsed.size());
      parsed.push_back(std::move(*entry));
    }
    return true;
  });
  Baggage kept;
  for_each_within_limits(
      parsed, [&](const BaggageEntry& entry, const std::string&) { kept.push_back(entry); });
  return kept;
}

std::string format_baggage(const Baggage& baggage) {
  std::string out;
  for_each_within_limits(baggage, [&](const BaggageEntry&, const std::string& member) {
    if (!out.empty()) out += ',';
    out += member;
  });
  return out;
}

}  // namespace chaostracing
