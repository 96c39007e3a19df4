// SPDX-License-Identifier: Apache-2.0
// traceparent and tracestate. Input: line 1 is a traceparent value, every further line a
// tracestate header line. Beyond "no crash, no leak, no UB": what parses re-formats to a value
// that parses back to the same thing, within the spec's limits.
#include <string>
#include <utility>
#include <vector>

#include "chaostracing/propagation/propagator.hpp"
#include "chaostracing/propagation/w3c.hpp"
#include "fuzz_check.hpp"

namespace chaostracing::fuzz {
namespace {

void check_traceparent(std::string_view value) {
  const auto context = parse_traceparent(value);
  if (!context) return;
  CHAOSTRACING_FUZZ_CHECK(context->valid() && context->remote);
  CHAOSTRACING_FUZZ_CHECK((context->flags & ~SpanContext::kW3cFlags) == 0);
  const std::string formatted = format_traceparent(*context);
  CHAOSTRACING_FUZZ_CHECK(formatted.size() == 55 && formatted.rfind("00-", 0) == 0);
  CHAOSTRACING_FUZZ_CHECK(parse_traceparent(formatted) == context);
}

void check_tracestate(std::string_view combined) {
  const auto entries = parse_tracestate(combined);
  const std::string normalized = normalize_tracestate(combined);
  if (!entries) {
    CHAOSTRACING_FUZZ_CHECK(normalized.empty());
    return;
  }
  CHAOSTRACING_FUZZ_CHECK(entries->size() <= kMaxTraceStateEntries);
  for (const auto& entry : *entries) {
    CHAOSTRACING_FUZZ_CHECK(is_valid_tracestate_key(entry.key));
    CHAOSTRACING_FUZZ_CHECK(is_valid_tracestate_value(entry.value));
  }
  CHAOSTRACING_FUZZ_CHECK(normalized.size() <= kMaxTraceStateChars);
  CHAOSTRACING_FUZZ_CHECK(normalize_tracestate(normalized) == normalized);
  const auto reparsed = parse_tracestate(normalized);
  CHAOSTRACING_FUZZ_CHECK(reparsed && reparsed->size() <= entries->size());
}

// The formatter must cope with entries that never went through the parser.
void check_format_of_arbitrary_entries(const std::vector<std::string_view>& lines) {
  TraceState entries;
  for (const auto line : lines) {
    const auto equals = line.find('=');
    entries.push_back(
        {std::string(line.substr(0, equals)),
         equals == std::string_view::npos ? std::string() : std::string(line.substr(equals + 1))});
  }
  const std::string formatted = format_tracestate(entries);
  CHAOSTRACING_FUZZ_CHECK(formatted.size() <= kMaxTraceStateChars);
  CHAOSTRACING_FUZZ_CHECK(parse_tracestate(formatted).has_value());
}

}  // namespace
}  // namespace chaostracing::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaostracing;
  using namespace chaostracing::fuzz;
  const auto values = lines(as_text(data, size));
  check_traceparent(values[0]);

  std::string combined;
  std::vector<std::pair<std::string, std::string>> headers{{"traceparent", std::string(values[0])}};
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (i > 1) combined += ',';
    combined += values[i];
    headers.emplace_back(i % 2 ? "tracestate" : "TraceState", std::string(values[i]));
  }
  check_tracestate(combined);
  check_format_of_arbitrary_entries(
      std::vector<std::string_view>(values.begin() + 1, values.end()));

  // Through the generic entry point, and back out.
  const auto context = extract(PropagationFormat::kTraceContext, HeaderListGetter(headers));
  CHAOSTRACING_FUZZ_CHECK(context.has_value() == parse_traceparent(values[0]).has_value());
  if (context) {
    CHAOSTRACING_FUZZ_CHECK(context->trace_state == normalize_tracestate(combined));
    std::vector<std::pair<std::string, std::string>> injected;
    inject(
        PropagationFormat::kTraceContext, *context, {},
        [&](std::string_view name, std::string_view value) { injected.emplace_back(name, value); });
    CHAOSTRACING_FUZZ_CHECK(extract(PropagationFormat::kTraceContext, HeaderListGetter(injected)) ==
                            context);
  }
  return 0;
}
