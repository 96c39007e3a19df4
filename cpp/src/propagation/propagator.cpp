// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/propagation/propagator.hpp"

#include <algorithm>

#include "chaostracing/propagation/b3.hpp"
#include "chaostracing/propagation/jaeger.hpp"
#include "chaostracing/propagation/w3c.hpp"
#include "detail/header_text.hpp"

namespace chaostracing {
namespace {

// A header that may appear once; several lines make the value ambiguous, so none is used (the
// W3C test suite expects a restart for two traceparent lines).
std::optional<std::string_view> single(const HeaderGetter& headers, std::string_view name) {
  const auto values = headers.get(name);
  if (values.size() != 1) return std::nullopt;
  return values.front();
}

// Lines of a list-valued header combined as RFC 9110 §5.3 says: joined with ','.
std::string combined(const HeaderGetter& headers, std::string_view name) {
  std::string out;
  bool first = true;
  for (const auto value : headers.get(name)) {
    if (!first) out += ',';
    out += value;
    first = false;
  }
  return out;
}

std::optional<SpanContext> extract_tracecontext(const HeaderGetter& headers) {
  const auto traceparent = single(headers, kTraceparentHeader);
  if (!traceparent) return std::nullopt;
  auto context = parse_traceparent(*traceparent);
  // "If the vendor failed to parse traceparent, it MUST NOT attempt to parse tracestate."
  if (!context) return std::nullopt;
  context->trace_state = normalize_tracestate(combined(headers, kTracestateHeader));
  return context;
}

std::optional<SpanContext> extract_b3(const HeaderGetter& headers) {
  // OpenTelemetry: "MUST attempt to extract B3 encoded using single and multi-header formats.
  // The single-header variant takes precedence over the multi-header version."
  if (const auto value = single(headers, kB3Header)) {
    if (auto parsed = parse_b3_single(*value)) return parsed->context;
  }
  return parse_b3_multi(single(headers, kB3TraceIdHeader), single(headers, kB3SpanIdHeader),
                        single(headers, kB3SampledHeader), single(headers, kB3FlagsHeader));
}

Baggage extract_uberctx(const HeaderGetter& headers) {
  Baggage baggage;
  // Keys looked at so far, kept or not: bounds the work to kMaxBaggageMembers lookups however
  // many headers arrive.
  std::vector<std::string> seen;
  for (const auto name : headers.keys()) {
    if (seen.size() == kMaxBaggageMembers) break;
    if (!detail::istarts_with(name, kUberBaggagePrefix) ||
        name.size() == kUberBaggagePrefix.size()) {
      continue;
    }
    std::string key = detail::ascii_lower(name.substr(kUberBaggagePrefix.size()));
    if (!detail::is_token(key)) continue;  // not a header name anyway
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    // Two lines for one key (e.g. differently cased names) are ambiguous: neither is used.
    const auto value = single(headers, name);
    if (!value) continue;
    if (auto decoded = decode_uberctx_value(*value)) {
      baggage.push_back({std::move(key), std::move(*decoded), {}});
    }
  }
  return baggage;
}

}  // namespace

std::optional<PropagationFormat> parse_propagation_format(std::string_view name) noexcept {
  if (name == "tracecontext") return PropagationFormat::kTraceContext;
  if (name == "baggage") return PropagationFormat::kBaggage;
  if (name == "b3") return PropagationFormat::kB3;
  if (name == "b3multi") return PropagationFormat::kB3Multi;
  if (name == "jaeger") return PropagationFormat::kJaeger;
  return std::nullopt;
}

std::string_view propagation_format_name(PropagationFormat format) noexcept {
  switch (format) {
    case PropagationFormat::kTraceContext:
      return "tracecontext";
    case PropagationFormat::kBaggage:
      return "baggage";
    case PropagationFormat::kB3:
      return "b3";
    case PropagationFormat::kB3Multi:
      return "b3multi";
    case PropagationFormat::kJaeger:
      return "jaeger";
  }
  return "unknown";
}

std::vector<std::string_view> HeaderListGetter::get(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : headers_) {
    if (detail::iequals(key, name)) values.emplace_back(value);
  }
  return values;
}

std::vector<std::string_view> HeaderListGetter::keys() const {
  std::vector<std::string_view> names;
  names.reserve(headers_.size());
  for (const auto& header : headers_) names.emplace_back(header.first);
  return names;
}

std::optional<SpanContext> extract(PropagationFormat format, const HeaderGetter& headers) {
  switch (format) {
    case PropagationFormat::kTraceContext:
      return extract_tracecontext(headers);
    case PropagationFormat::kB3:
    case PropagationFormat::kB3Multi:
      // Extraction reads both B3 encodings whichever one is configured for injection.
      return extract_b3(headers);
    case PropagationFormat::kJaeger:
      if (const auto value = single(headers, kUberTraceIdHeader))
        return parse_uber_trace_id(*value);
      return std::nullopt;
    case PropagationFormat::kBaggage:
      break;
  }
  return std::nullopt;
}

Baggage extract_baggage(PropagationFormat format, const HeaderGetter& headers) {
  switch (format) {
    case PropagationFormat::kBaggage:
      return parse_baggage(combined(headers, kBaggageHeader));
    case PropagationFormat::kJaeger:
      return extract_uberctx(headers);
    case PropagationFormat::kTraceContext:
    case PropagationFormat::kB3:
    case PropagationFormat::kB3Multi:
      break;
  }
  return {};
}

void inject(PropagationFormat format, const SpanContext& context, const Baggage& baggage,
            const HeaderSetter& set) {
  switch (format) {
    case PropagationFormat::kTraceContext:
      if (!context.valid()) return;
      set(kTraceparentHeader, format_traceparent(context));
      if (auto state = normalize_tracestate(context.trace_state); !state.empty()) {
        set(kTracestateHeader, state);
      }
      return;
    case PropagationFormat::kBaggage:
      if (auto value = format_baggage(baggage); !value.empty()) set(kBaggageHeader, value);
      return;
    case PropagationFormat::kB3:
      if (context.valid()) set(kB3Header, format_b3_single(context));
      return;
    case PropagationFormat::kB3Multi:
      for (const auto& [name, value] : format_b3_multi(context)) set(name, value);
      return;
    case PropagationFormat::kJaeger:
      if (context.valid()) set(kUberTraceIdHeader, format_uber_trace_id(context));
      for (const auto& entry : baggage) {
        // The key becomes part of a header name, so it must be a token.
        if (!detail::is_token(entry.key)) continue;
        set(std::string(kUberBaggagePrefix) + detail::ascii_lower(entry.key),
            encode_uberctx_value(entry.value));
      }
      return;
  }
}

}  // namespace chaostracing
