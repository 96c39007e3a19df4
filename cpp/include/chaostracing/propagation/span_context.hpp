// SPDX-License-Identifier: Apache-2.0
// SpanContext: what crosses a process boundary about a span, as every propagation format reads
// and writes it (https://opentelemetry.io/docs/specs/otel/trace/api/#spancontext). A plain
// value type; only a valid() context is ever injected. kDebug is chaostracing's own bit for
// B3's and Jaeger's debug flag: it is never written to a traceparent.
#pragma once

#include <cstdint>
#include <string>

#include "chaostracing/ids.hpp"
#include "chaostracing/span.hpp"

namespace chaostracing {

struct SpanContext {
  // W3C trace-flags (https://www.w3.org/TR/trace-context-2/#trace-flags).
  static constexpr std::uint8_t kSampled = 0x01;
  static constexpr std::uint8_t kRandom = 0x02;
  static constexpr std::uint8_t kW3cFlags = kSampled | kRandom;
  // Outside the W3C-defined bits, so that it never collides with them: B3 `d` / X-B3-Flags: 1,
  // Jaeger 0x02. OpenTelemetry requires debug to be preserved and to imply sampled.
  static constexpr std::uint8_t kDebug = 0x80;

  TraceId trace_id{};
  SpanId span_id = 0;
  std::uint8_t flags = 0;
  // A valid W3C tracestate value (normalized, at most 512 characters), or empty.
  std::string trace_state;
  // True when extracted from a carrier rather than created in this process.
  bool remote = false;

  bool valid() const noexcept { return is_valid_trace_id(trace_id) && span_id != 0; }
  bool sampled() const noexcept { return (flags & kSampled) != 0; }
  bool debug() const noexcept { return (flags & kDebug) != 0; }

  bool operator==(const SpanContext&) const = default;
};

}  // namespace chaostracing
