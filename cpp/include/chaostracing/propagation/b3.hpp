// SPDX-License-Identifier: Apache-2.0
// B3 propagation (https://github.com/openzipkin/b3-propagation): the single `b3` header and the
// X-B3-* headers, with OpenTelemetry's rules (debug implies sampled and is kept; X-B3-ParentSpanId
// is never written). Pure functions over untrusted text; nothing throws except bad_alloc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chaostracing/propagation/span_context.hpp"

namespace chaostracing {

inline constexpr std::string_view kB3Header = "b3";
inline constexpr std::string_view kB3TraceIdHeader = "X-B3-TraceId";
inline constexpr std::string_view kB3SpanIdHeader = "X-B3-SpanId";
inline constexpr std::string_view kB3SampledHeader = "X-B3-Sampled";
inline constexpr std::string_view kB3FlagsHeader = "X-B3-Flags";

enum class B3Sampling : std::uint8_t { kDefer, kDeny, kAccept, kDebug };

struct B3Single {
  // Absent when the header carries only a sampling state (e.g. the deny-only "b3: 0").
  std::optional<SpanContext> context;
  B3Sampling sampling = B3Sampling::kDefer;
};

// {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]] or a lone SamplingState (0, 1, d), in
// lower-case hex; a 16-digit trace id is left-padded to 128 bits. std::nullopt if malformed
// (then the X-B3-* headers are tried), including zero ids.
std::optional<B3Single> parse_b3_single(std::string_view value);
// The X-B3-* values as received (absent = nullopt). Sampled accepts 1/0 and, leniently,
// true/false; Flags "1" is debug. std::nullopt without a valid trace id and span id.
std::optional<SpanContext> parse_b3_multi(std::optional<std::string_view> trace_id,
                                          std::optional<std::string_view> span_id,
                                          std::optional<std::string_view> sampled,
                                          std::optional<std::string_view> flags);

// "{32 hex}-{16 hex}-{1|0|d}"; "" if !context.valid().
std::string format_b3_single(const SpanContext& context);
// X-B3-TraceId, X-B3-SpanId and either X-B3-Flags: 1 (debug) or X-B3-Sampled; empty if invalid.
std::vector<std::pair<std::string, std::string>> format_b3_multi(const SpanContext& context);

}  // namespace chaostracing
