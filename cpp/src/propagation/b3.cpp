// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/propagation/b3.hpp"

#include "detail/header_text.hpp"

namespace chaostracing {
namespace {

// 32 or 16 lower-hex characters; the 64-bit form is the low half of the 128-bit id.
std::optional<TraceId> b3_trace_id(std::string_view hex) {
  if (hex.size() != 32 && hex.size() != 16) return std::nullopt;
  return detail::trace_id_from_hex(hex, true);
}

std::optional<SpanId> b3_span_id(std::string_view hex) {
  if (hex.size() != 16) return std::nullopt;
  return detail::span_id_from_hex(hex, true);
}

std::optional<B3Sampling> sampling_state(std::string_view s) {
  if (s == "0") return B3Sampling::kDeny;
  if (s == "1") return B3Sampling::kAccept;
  if (s == "d") return B3Sampling::kDebug;
  return std::nullopt;
}

std::uint8_t flags_of(B3Sampling sampling) {
  switch (sampling) {
    case B3Sampling::kDebug:
      return SpanContext::kSampled | SpanContext::kDebug;
    case B3Sampling::kAccept:
      return SpanContext::kSampled;
    case B3Sampling::kDeny:
    case B3Sampling::kDefer:
      break;
  }
  return 0;
}

}  // namespace

std::optional<B3Single> parse_b3_single(std::string_view value) {
  value = detail::trim_ows(value);
  // "Sampling state can also be sent on its own (with no identifiers)."
  if (auto sampling = sampling_state(value)) return B3Single{std::nullopt, *sampling};

  std::string_view fields[4];
  std::size_t count = 0;
  const bool ok = detail::for_each_split(value, '-', [&](std::string_view field) {
    if (count == 4) return false;
    fields[count++] = field;
    return true;
  });
  if (!ok || count < 2) return std::nullopt;
  const auto trace_id = b3_trace_id(fields[0]);
  const auto span_id = b3_span_id(fields[1]);
  if (!trace_id || !span_id) return std::nullopt;
  B3Single single;
  if (count >= 3) {
    auto sampling = sampling_state(fields[2]);
    if (!sampling) return std::nullopt;
    single.sampling = *sampling;
  }
  // The parent span id is checked but not kept: our span becomes the child of SpanId.
  if (count == 4 && !b3_span_id(fields[3])) return std::nullopt;
  SpanContext context;
  context.trace_id = *trace_id;
  context.span_id = *span_id;
  context.flags = flags_of(single.sampling);
  context.remote = true;
  if (!context.valid()) return std::nullopt;
  single.context = std::move(context);
  return single;
}

std::optional<SpanContext> parse_b3_multi(std::optional<std::string_view> trace_id,
                                          std::optional<std::string_view> span_id,
                                          std::optional<std::string_view> sampled,
                                          std::optional<std::string_view> flags) {
  if (!trace_id || !span_id) return std::nullopt;
  const auto trace = b3_trace_id(detail::trim_ows(*trace_id));
  const auto span = b3_span_id(detail::trim_ows(*span_id));
  if (!trace || !span) return std::nullopt;
  B3Sampling sampling = B3Sampling::kDefer;
  if (sampled) {
    const std::string_view s = detail::trim_ows(*sampled);
    // "a lenient implementation may accept" true/false, which tracers sent before the spec.
    if (s == "1" || detail::iequals(s, "true")) {
      sampling = B3Sampling::kAccept;
    } else if (s == "0" || detail::iequals(s, "false")) {
      sampling = B3Sampling::kDeny;
    } else {
      return std::nullopt;
    }
  }
  // Debug implies accept and wins over X-B3-Sampled. Other X-B3-Flags values mean nothing.
  if (flags && detail::trim_ows(*flags) == "1") sampling = B3Sampling::kDebug;
  SpanContext context;
  context.trace_id = *trace;
  context.span_id = *span;
  context.flags = flags_of(sampling);
  context.remote = true;
  if (!context.valid()) return std::nullopt;
  return context;
}

std::string format_b3_single(const SpanContext& context) {
  if (!context.valid()) return {};
  std::string out = trace_id_to_hex(context.trace_id);
  out += '-';
  out += span_id_to_hex(context.span_id);
  out += '-';
  out += context.debug() ? 'd' : context.sampled() ? '1' : '0';
  return out;
}

std::vector<std::pair<std::string, std::string>> format_b3_multi(const SpanContext& context) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!context.valid()) return headers;
  headers.emplace_back(kB3TraceIdHeader, trace_id_to_hex(context.trace_id));
  headers.emplace_back(kB3SpanIdHeader, span_id_to_hex(context.span_id));
  // "Debug implies an accept decision, so don't also send the X-B3-Sampled header."
  if (context.debug()) {
    headers.emplace_back(kB3FlagsHeader, "1");
  } else {
    headers.emplace_back(kB3SampledHeader, context.sampled() ? "1" : "0");
  }
  return headers;
}

}  // namespace chaostracing
