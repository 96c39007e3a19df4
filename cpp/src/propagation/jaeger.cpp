// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/propagation/jaeger.hpp"

#include "detail/header_text.hpp"
#include "detail/utf8.hpp"

namespace chaostracing {
namespace {

constexpr std::uint8_t kJaegerSampled = 0x01;
constexpr std::uint8_t kJaegerDebug = 0x02;

bool is_unreserved(unsigned char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::optional<SpanContext> parse_uber_trace_id(std::string_view value) {
  value = detail::trim_ows(value);
  // Clients in HTTP_HEADERS mode URL-encode the whole value, so ':' may arrive as %3A.
  std::string decoded;
  if (value.find('%') != std::string_view::npos) {
    auto d = detail::percent_decode(value, false);
    if (!d) return std::nullopt;
    decoded = std::move(*d);
    value = decoded;
  }
  std::string_view fields[4];
  std::size_t count = 0;
  const bool ok = detail::for_each_split(value, ':', [&](std::string_view field) {
    if (count == 4) return false;
    fields[count++] = field;
    return true;
  });
  if (!ok || count != 4) return std::nullopt;
  const auto trace_id = detail::trace_id_from_hex(fields[0], false);
  const auto span_id = detail::span_id_from_hex(fields[1], false);
  // The deprecated parent id must still be well-formed (typically "0"); its value is unused.
  const auto parent_id = detail::span_id_from_hex(fields[2], false);
  if (!trace_id || !span_id || !parent_id) return std::nullopt;
  if (fields[3].empty() || fields[3].size() > 2 || !detail::is_hex(fields[3], false)) {
    return std::nullopt;
  }
  std::uint8_t flags = 0;
  for (char c : fields[3])
    flags = static_cast<std::uint8_t>(flags << 4 | detail::hex_value(c, false));

  SpanContext context;
  context.trace_id = *trace_id;
  context.span_id = *span_id;
  // Debug "can only be set when sampled is set"; firehose (0x08) has no equivalent here.
  if ((flags & kJaegerSampled) != 0) {
    context.flags = SpanContext::kSampled;
    if ((flags & kJaegerDebug) != 0) context.flags |= SpanContext::kDebug;
  }
  context.remote = true;
  if (!context.valid()) return std::nullopt;
  return context;
}

std::string format_uber_trace_id(const SpanContext& context) {
  if (!context.valid()) return {};
  std::uint8_t flags = 0;
  if (context.sampled() || context.debug()) flags |= kJaegerSampled;
  if (context.debug()) flags |= kJaegerDebug;
  std::string out = trace_id_to_hex(context.trace_id);
  out += ':';
  out += span_id_to_hex(context.span_id);
  out += ":0:";
  out += "0123456789abcdef"[flags];
  return out;
}

std::optional<std::string> decode_uberctx_value(std::string_view value) {
  // Jaeger's clients use form decoding (Go's url.QueryUnescape, Java's URLDecoder).
  auto decoded = detail::percent_decode(detail::trim_ows(value), true);
  if (!decoded) return std::nullopt;
  std::string out;
  detail::append_utf8_repaired(out, *decoded);
  return out;
}

std::string encode_uberctx_value(std::string_view value) {
  return detail::percent_encode(value, is_unreserved);
}

}  // namespace chaostracing
