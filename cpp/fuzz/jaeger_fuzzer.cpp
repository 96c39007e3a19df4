// SPDX-License-Identifier: Apache-2.0
// Jaeger: uber-trace-id and uberctx-* baggage. Input: line 1 is an uber-trace-id value, each
// further line a "name:value" header. What parses survives inject + extract unchanged, and
// the URL codec round-trips any valid UTF-8.
#include <string>
#include <utility>
#include <vector>

#include "chaostracing/propagation/jaeger.hpp"
#include "chaostracing/propagation/propagator.hpp"
#include "detail/header_text.hpp"
#include "detail/utf8.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaostracing;
  using namespace chaostracing::fuzz;
  const std::string_view text = as_text(data, size);
  const auto values = lines(text);

  const auto context = parse_uber_trace_id(values[0]);
  if (context) {
    CHAOSTRACING_FUZZ_CHECK(context->valid() && context->remote);
    CHAOSTRACING_FUZZ_CHECK(!context->debug() || context->sampled());
    CHAOSTRACING_FUZZ_CHECK(parse_uber_trace_id(format_uber_trace_id(*context)) == context);
  }

  std::vector<std::pair<std::string, std::string>> headers{
      {"Uber-Trace-Id", std::string(values[0])}};
  for (std::size_t i = 1; i < values.size(); ++i) {
    const auto colon = values[i].find(':');
    headers.emplace_back(
        std::string(values[i].substr(0, colon)),
        colon == std::string_view::npos ? std::string() : std::string(values[i].substr(colon + 1)));
  }
  const HeaderListGetter getter(headers);
  CHAOSTRACING_FUZZ_CHECK(extract(PropagationFormat::kJaeger, getter) == context);
  const Baggage baggage = extract_baggage(PropagationFormat::kJaeger, getter);
  CHAOSTRACING_FUZZ_CHECK(baggage.size() <= kMaxBaggageMembers);
  for (const auto& entry : baggage) {
    CHAOSTRACING_FUZZ_CHECK(detail::is_token(entry.key) &&
                            entry.key == detail::ascii_lower(entry.key));
    CHAOSTRACING_FUZZ_CHECK(detail::is_valid_utf8(entry.value));
  }

  std::vector<std::pair<std::string, std::string>> injected;
  inject(
      PropagationFormat::kJaeger, context.value_or(SpanContext{}), baggage,
      [&](std::string_view name, std::string_view value) { injected.emplace_back(name, value); });
  const HeaderListGetter again(injected);
  CHAOSTRACING_FUZZ_CHECK(extract(PropagationFormat::kJaeger, again) == context);
  CHAOSTRACING_FUZZ_CHECK(extract_baggage(PropagationFormat::kJaeger, again) == baggage);

  if (detail::is_valid_utf8(text)) {
    CHAOSTRACING_FUZZ_CHECK(decode_uberctx_value(encode_uberctx_value(text)) == text);
  }
  return 0;
}
