// SPDX-License-Identifier: Apache-2.0
// W3C Trace Context: the traceparent and tracestate headers
// (https://www.w3.org/TR/trace-context/#traceparent-header). Pure functions over untrusted
// text: a parser returns std::nullopt for anything invalid, formatters return "" rather than
// write an invalid value, and nothing throws except std::bad_alloc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chaostracing/propagation/span_context.hpp"

namespace chaostracing {

inline constexpr std::string_view kTraceparentHeader = "traceparent";
inline constexpr std::string_view kTracestateHeader = "tracestate";

// Version 00 exactly, or a higher version by the spec's forward-compatibility rules (only
// the sampled flag is kept from those); version ff, upper-case hex and zero ids are invalid.
// Surrounding OWS is ignored. The result has remote = true and an empty trace_state.
std::optional<SpanContext> parse_traceparent(std::string_view value);
// "00-<trace-id>-<parent-id>-<flags>" with only the W3C flag bits; "" if !context.valid().
std::string format_traceparent(const SpanContext& context);

struct TraceStateEntry {
  std::string key;
  std::string value;

  bool operator==(const TraceStateEntry&) const = default;
};
using TraceState = std::vector<TraceStateEntry>;

inline constexpr std::size_t kMaxTraceStateEntries = 32;
inline constexpr std::size_t kMaxTraceStateChars = 512;

// Key grammar of Trace Context Level 1: simple keys, or tenant@system multi-tenant keys.
bool is_valid_tracestate_key(std::string_view key) noexcept;
bool is_valid_tracestate_value(std::string_view value) noexcept;

// `value` is the combined field value (several header lines joined with ','). Empty members
// are allowed. Any invalid member, a duplicated key or more than 32 members invalidate the
// whole value (std::nullopt), as the W3C test suite expects: the caller then drops it.
std::optional<TraceState> parse_tracestate(std::string_view value);
// Joins valid entries with ','. Over 512 characters, whole entries are dropped: first those
// longer than 128 characters, then from the end (the spec's truncation order).
std::string format_tracestate(const TraceState& entries);
// format_tracestate(parse_tracestate(value)), or "" when invalid: what SpanContext keeps.
std::string normalize_tracestate(std::string_view value);

}  // namespace chaostracing
