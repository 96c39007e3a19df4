// SPDX-License-Identifier: Apache-2.0
// B3, single and multi header. Input lines: b3, X-B3-TraceId, X-B3-SpanId, X-B3-Sampled,
// X-B3-Flags (a missing line is an absent header). What parses is valid and survives
// format + parse; extraction prefers a well-formed single header.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chaostracing/propagation/b3.hpp"
#include "chaostracing/propagation/propagator.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaostracing;
  using namespace chaostracing::fuzz;
  const auto values = lines(as_text(data, size));
  const auto field = [&](std::size_t i) -> std::optional<std::string_view> {
    if (i < values.size()) return values[i];
    return std::nullopt;
  };

  const auto single = parse_b3_single(values[0]);
  if (single && single->context) {
    const SpanContext& context = *single->context;
    CHAOSTRACING_FUZZ_CHECK(context.valid() && context.remote);
    CHAOSTRACING_FUZZ_CHECK(context.debug() == (single->sampling == B3Sampling::kDebug));
    CHAOSTRACING_FUZZ_CHECK(!context.debug() || context.sampled());
    const auto again = parse_b3_single(format_b3_single(context));
    CHAOSTRACING_FUZZ_CHECK(again && again->context == context);
  }

  const auto multi = parse_b3_multi(field(1), field(2), field(3), field(4));
  if (multi) {
    CHAOSTRACING_FUZZ_CHECK(multi->valid() && multi->remote);
    std::vector<std::pair<std::string, std::string>> headers = format_b3_multi(*multi);
    CHAOSTRACING_FUZZ_CHECK(headers.size() == 3);
    CHAOSTRACING_FUZZ_CHECK(extract(PropagationFormat::kB3Multi, HeaderListGetter(headers)) ==
                            multi);
  }

  std::vector<std::pair<std::string, std::string>> headers;
  const char* names[] = {"b3", "x-b3-traceid", "X-B3-SpanId", "X-B3-SAMPLED", "x-B3-flags"};
  for (std::size_t i = 0; i < values.size() && i < 5; ++i) {
    headers.emplace_back(names[i], std::string(values[i]));
  }
  const auto extracted = extract(PropagationFormat::kB3, HeaderListGetter(headers));
  CHAOSTRACING_FUZZ_CHECK(extracted == (single ? single->context : multi));
  if (extracted) {
    for (auto format : {PropagationFormat::kB3, PropagationFormat::kB3Multi}) {
      std::vector<std::pair<std::string, std::string>> injected;
      inject(format, *extracted, {}, [&](std::string_view name, std::string_view value) {
        CHAOSTRACING_FUZZ_CHECK(name != "X-B3-ParentSpanId");
        injected.emplace_back(name, value);
      });
      CHAOSTRACING_FUZZ_CHECK(extract(format, HeaderListGetter(injected)) == extracted);
    }
  }
  return 0;
}
