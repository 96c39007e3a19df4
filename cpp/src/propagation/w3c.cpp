// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/propagation/w3c.hpp"

#include <algorithm>

#include "detail/header_text.hpp"

namespace chaostracing {
namespace {

// version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
constexpr std::size_t kTraceparentSize = 55;
constexpr std::size_t kTraceIdOffset = 3;
constexpr std::size_t kParentIdOffset = 36;
constexpr std::size_t kFlagsOffset = 53;
// https://www.w3.org/TR/trace-context/#tracestate-limits
constexpr std::size_t kLongEntryChars = 128;

bool is_key_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' ||
         c == '/';
}

bool all_key_chars(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), is_key_char);
}

bool is_lcalpha(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<SpanContext> parse_traceparent(std::string_view value) {
  // OWS around a field value is not part of it (RFC 9110 §5.5); the W3C test suite sends some.
  value = detail::trim_ows(value);
  if (value.size() < kTraceparentSize) return std::nullopt;
  const std::string_view version = value.substr(0, 2);
  if (!detail::is_hex(version, true) || value[2] != '-' || version == "ff") return std::nullopt;
  // https://www.w3.org/TR/trace-context/#versioning-of-traceparent: version 00 has exactly four
  // fields; a higher version may append "-..." fields, which are not ours to interpret.
  if (version == "00" && value.size() != kTraceparentSize) return std::nullopt;
  if (value.size() > kTraceparentSize && value[kTraceparentSize] != '-') return std::nullopt;
  if (value[kParentIdOffset - 1] != '-' || value[kFlagsOffset - 1] != '-') return std::nullopt;

  const std::string_view trace_hex = value.substr(kTraceIdOffset, 32);
  const std::string_view span_hex = value.substr(kParentIdOffset, 16);
  const std::string_view flags_hex = value.substr(kFlagsOffset, 2);
  if (!detail::is_hex(trace_hex, true) || !detail::is_hex(span_hex, true) ||
      !detail::is_hex(flags_hex, true)) {
    return std::nullopt;
  }
  SpanContext context;
  context.trace_id = *detail::trace_id_from_hex(trace_hex, true);
  context.span_id = *detail::span_id_from_hex(span_hex, true);
  const auto flags = static_cast<std::uint8_t>(detail::hex_value(flags_hex[0], true) << 4 |
                                               detail::hex_value(flags_hex[1], true));
  // Unknown bits are reserved and must not be passed on; of a future version's flags only
  // "the sampled bit" is defined for us to read.
  context.flags = flags & (version == "00" ? SpanContext::kW3cFlags : SpanContext::kSampled);
  context.remote = true;
  if (!context.valid()) return std::nullopt;
  return context;
}

std::string format_traceparent(const SpanContext& context) {
  if (!context.valid()) return {};
  std::string out;
  out.reserve(kTraceparentSize);
  out += "00-";
  out += trace_id_to_hex(context.trace_id);
  out += '-';
  out += span_id_to_hex(context.span_id);
  out += '-';
  detail::append_hex(out, context.flags & SpanContext::kW3cFlags);
  return out;
}

bool is_valid_tracestate_key(std::string_view key) noexcept {
  // https://www.w3.org/TR/trace-context/#key (Level 1):
  //   simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
  //   multi-tenant-key = tenant-id "@" system-id
  //   tenant-id = ( lcalpha / DIGIT ) 0*240( ... ), system-id = lcalpha 0*13( ... )
  const auto at = key.find('@');
  if (at == std::string_view::npos) {
    return !key.empty() && key.size() <= 256 && is_lcalpha(key.front()) && all_key_chars(key);
  }
  const std::string_view tenant = key.substr(0, at);
  const std::string_view system = key.substr(at + 1);
  return !tenant.empty() && tenant.size() <= 241 &&
         (is_lcalpha(tenant.front()) || is_digit(tenant.front())) && all_key_chars(tenant) &&
         !system.empty() && system.size() <= 14 && is_lcalpha(system.front()) &&
         all_key_chars(system);
}

bool is_valid_tracestate_value(std::string_view value) noexcept {
  // value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e && c != ',' && c != '='; });
}

std::optional<TraceState> parse_tracestate(std::string_view value) {
  TraceState entries;
  const bool ok = detail::for_each_split(value, ',', [&](std::string_view member) {
    // OWS around list members is not part of them; leading spaces of a value are (the key
    // has none to lose), trailing ones are OWS.
    member = detail::trim_ows(member);
    if (member.empty()) return true;
    if (entries.size() == kMaxTraceStateEntries) return false;
    const auto equals = member.find('=');
    if (equals == std::string_view::npos) return false;
    const std::string_view key = member.substr(0, equals);
    const std::string_view val = member.substr(equals + 1);
    if (!is_valid_tracestate_key(key) || !is_valid_tracestate_value(val)) return false;
    // https://www.w3.org/TR/trace-context/#combined-header-value: one entry per key.
    for (const auto& entry : entries) {
      if (entry.key == key) return false;
    }
    entries.push_back({std::string(key), std::string(val)});
    return true;
  });
  if (!ok) return std::nullopt;
  return entries;
}

std::string format_tracestate(const TraceState& entries) {
  // Valid, first occurrence of each key (the left-most entry is the most recent), at most 32.
  std::vector<const TraceStateEntry*> kept;
  for (const auto& entry : entries) {
    if (kept.size() == kMaxTraceStateEntries) break;
    if (!is_valid_tracestate_key(entry.key) || !is_valid_tracestate_value(entry.value)) continue;
    const bool duplicate = std::any_of(
        kept.begin(), kept.end(), [&](const TraceStateEntry* k) { return k->key == entry.key; });
    if (!duplicate) kept.push_back(&entry);
  }
  const auto entry_size = [](const TraceStateEntry* e) {
    return e->key.size() + 1 + e->value.size();
  };
  const auto total_size = [&] {
    std::size_t size = kept.empty() ? 0 : kept.size() - 1;  // the commas
    for (const auto* e : kept) size += entry_size(e);
    return size;
  };
  // https://www.w3.org/TR/trace-context/#tracestate-limits: drop entries over 128 characters
  // first (the right-most of them first), then from the end.
  std::size_t size = total_size();
  while (size > kMaxTraceStateChars) {
    auto victim = std::find_if(kept.rbegin(), kept.rend(), [&](const TraceStateEntry* e) {
      return entry_size(e) > kLongEntryChars;
    });
    auto it = victim != kept.rend() ? std::prev(victim.base()) : std::prev(kept.end());
    kept.erase(it);
    size = total_size();
  }
  std::string out;
  out.reserve(size);
  for (const auto* e : kept) {
    if (!out.empty()) out += ',';
    out += e->key;
    out += '=';
    out += e->value;
  }
  return out;
}

std::string normalize_tracestate(std::string_view value) {
  const auto entries = parse_tracestate(value);
  return entries ? format_tracestate(*entries) : std::string();
}

}  // namespace chaostracing
