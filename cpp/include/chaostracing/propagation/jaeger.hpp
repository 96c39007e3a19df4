// SPDX-License-Identifier: Apache-2.0
// Jaeger propagation (https://www.jaegertracing.io/docs/1.21/client-libraries/#propagation-format):
// the uber-trace-id header and uberctx-{key} baggage headers, URL-encoded. Deprecated by
// OpenTelemetry but still spoken by older services. Pure functions over untrusted text;
// nothing throws except std::bad_alloc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chaostracing/propagation/span_context.hpp"

namespace chaostracing {

inline constexpr std::string_view kUberTraceIdHeader = "uber-trace-id";
inline constexpr std::string_view kUberBaggagePrefix = "uberctx-";

// {trace-id}:{span-id}:{parent-span-id}:{flags}, hex in either case; shorter ids are
// left-padded, zero ids are invalid, flags are one byte in 1-2 hex digits (0x01 sampled, 0x02
// debug when sampled). A URL-encoded value ("%3A" for ':') is accepted.
std::optional<SpanContext> parse_uber_trace_id(std::string_view value);
// "{32 hex}:{16 hex}:0:{flags}" (the parent field is deprecated; senders write 0); "" if invalid.
std::string format_uber_trace_id(const SpanContext& context);

// The value of an uberctx- header: URL-decoded ('+' is a space), invalid UTF-8 replaced by
// U+FFFD; std::nullopt for a malformed %-escape.
std::optional<std::string> decode_uberctx_value(std::string_view value);
// Everything but unreserved characters (RFC 3986 §2.3) %-escaped.
std::string encode_uberctx_value(std::string_view value);

}  // namespace chaostracing
