// SPDX-License-Identifier: Apache-2.0
// One entry point over every propagation format: extract a SpanContext (or Baggage) from
// received headers, inject one into outgoing headers. Header names are matched
// case-insensitively (RFC 9110 §5.1). Never throws except std::bad_alloc (and what a
// caller's getter or setter throws); malformed input extracts as nothing.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chaostracing/propagation/baggage.hpp"
#include "chaostracing/propagation/span_context.hpp"

namespace chaostracing {

enum class PropagationFormat : std::uint8_t { kTraceContext, kBaggage, kB3, kB3Multi, kJaeger };

// The names used by OTEL_PROPAGATORS and tracing_propagation, exactly (lower case).
std::optional<PropagationFormat> parse_propagation_format(std::string_view name) noexcept;
std::string_view propagation_format_name(PropagationFormat format) noexcept;
inline constexpr std::string_view kPropagationFormatNames =
    "tracecontext, baggage, b3, b3multi, jaeger";

// Read access to a carrier's headers.
class HeaderGetter {
 public:
  virtual ~HeaderGetter() = default;
  // Every value of the header `name`, in order; names must match case-insensitively.
  virtual std::vector<std::string_view> get(std::string_view name) const = 0;
  // Every header name present, for prefixed headers (Jaeger's uberctx-*).
  virtual std::vector<std::string_view> keys() const = 0;
};

// Headers as received, e.g. from an HTTP request or a Python mapping. Holds a view: the
// headers must outlive it.
class HeaderListGetter final : public HeaderGetter {
 public:
  explicit HeaderListGetter(std::span<const std::pair<std::string, std::string>> headers)
      : headers_(headers) {}
  std::vector<std::string_view> get(std::string_view name) const override;
  std::vector<std::string_view> keys() const override;

 private:
  std::span<const std::pair<std::string, std::string>> headers_;
};

using HeaderSetter = std::function<void(std::string_view name, std::string_view value)>;

// The context carried in `format`, or std::nullopt (also for kBaggage, which carries none).
// tracecontext: exactly one valid traceparent; tracestate lines are combined and kept only if
// valid. b3: the single header wins; the X-B3-* headers are read when it is absent or
// malformed. jaeger: exactly one valid uber-trace-id.
std::optional<SpanContext> extract(PropagationFormat format, const HeaderGetter& headers);
// The baggage carried in `format`: the `baggage` header(s) for kBaggage, uberctx-* for kJaeger
// (keys lower-cased), nothing for the others.
Baggage extract_baggage(PropagationFormat format, const HeaderGetter& headers);

// Sets the headers of `format`, lower-case names except the X-B3-* ones: traceparent (and
// tracestate when not empty), b3, X-B3-TraceId/SpanId/Sampled or Flags, uber-trace-id, only for
// a valid() context; `baggage` for kBaggage and uberctx-{key} for kJaeger, whatever the context.
void inject(PropagationFormat format, const SpanContext& context, const Baggage& baggage,
            const HeaderSetter& set);

}  // namespace chaostracing
