// SPDX-License-Identifier: Apache-2.0
// The W3C baggage header. Input: the header value, and the same bytes read as "key<TAB>value"
// lines of a Baggage to format. What parses stays within the limits, holds only tokens and
// valid UTF-8, and survives format + parse unchanged.
#include <algorithm>
#include <string>
#include <unordered_set>

#include "chaostracing/propagation/baggage.hpp"
#include "detail/header_text.hpp"
#include "detail/utf8.hpp"
#include "fuzz_check.hpp"

namespace chaostracing::fuzz {
namespace {

void check_parsed(const Baggage& baggage) {
  CHAOSTRACING_FUZZ_CHECK(baggage.size() <= kMaxBaggageMembers);
  std::unordered_set<std::string> keys;
  for (const auto& entry : baggage) {
    CHAOSTRACING_FUZZ_CHECK(detail::is_token(entry.key));
    CHAOSTRACING_FUZZ_CHECK(detail::is_valid_utf8(entry.value));
    CHAOSTRACING_FUZZ_CHECK(keys.insert(entry.key).second);
  }
}

}  // namespace
}  // namespace chaostracing::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaostracing;
  using namespace chaostracing::fuzz;
  const std::string_view text = as_text(data, size);

  const Baggage parsed = parse_baggage(text);
  check_parsed(parsed);
  const std::string formatted = format_baggage(parsed);
  CHAOSTRACING_FUZZ_CHECK(formatted.size() <= kMaxBaggageBytes);
  CHAOSTRACING_FUZZ_CHECK(parse_baggage(formatted) == parsed);

  // Formatting entries that never went through the parser (any bytes in keys and values).
  Baggage arbitrary;
  for (const auto line : lines(text)) {
    const auto tab = line.find('\t');
    arbitrary.push_back(
        {std::string(line.substr(0, tab)),
         tab == std::string_view::npos ? std::string() : std::string(line.substr(tab + 1)),
         {}});
  }
  const std::string from_arbitrary = format_baggage(arbitrary);
  CHAOSTRACING_FUZZ_CHECK(from_arbitrary.size() <= kMaxBaggageBytes);
  const Baggage reparsed = parse_baggage(from_arbitrary);
  check_parsed(reparsed);
  // Every member written is read back: the writer's limits are the reader's, and values
  // come back as written, up to UTF-8 repair.
  std::size_t written = from_arbitrary.empty() ? 0 : 1;
  for (char c : from_arbitrary) written += c == ',' ? 1 : 0;
  std::unordered_set<std::string> keys;
  for (const auto& entry : arbitrary) keys.insert(entry.key);
  if (keys.size() == arbitrary.size()) {
    CHAOSTRACING_FUZZ_CHECK(reparsed.size() == written);
    for (const auto& entry : reparsed) {
      const auto it = std::find_if(arbitrary.begin(), arbitrary.end(),
                                   [&](const BaggageEntry& e) { return e.key == entry.key; });
      CHAOSTRACING_FUZZ_CHECK(it != arbitrary.end());
      std::string repaired;
      detail::append_utf8_repaired(repaired, it->value);
      CHAOSTRACING_FUZZ_CHECK(entry.value == repaired);
    }
  }
  return 0;
}
