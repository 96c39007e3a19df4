// SPDX-License-Identifier: Apache-2.0
// Random trace and span ids, and their lower-case hex forms (W3C trace-context,
// https://www.w3.org/TR/trace-context/#trace-id). Generation is thread-safe and lock-free
// (one generator per thread, reseeded after fork) and never returns an all-zero id.
// Parsers never throw: they return std::nullopt for anything but a valid non-zero id.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chaostracing/span.hpp"

namespace chaostracing {

TraceId new_trace_id() noexcept;
SpanId new_span_id() noexcept;

bool is_valid_trace_id(const TraceId& id) noexcept;

// 32 lower-case hex characters.
std::string trace_id_to_hex(const TraceId& id);
// 16 lower-case hex characters, big-endian (the byte order used on the wire).
std::string span_id_to_hex(SpanId id);

// Accept either case; exactly 32 (or 16) hex characters and not all zero.
std::optional<TraceId> parse_trace_id_hex(std::string_view hex) noexcept;
std::optional<SpanId> parse_span_id_hex(std::string_view hex) noexcept;

}  // namespace chaostracing
