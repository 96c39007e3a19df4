// SPDX-License-Identifier: Apache-2.0
// The OTEL_EXPORTER_OTLP_* parsers (otel_env.cpp). Input: the whole text as a headers string
// and as an endpoint, then its lines as the values of the variables parse_otlp_env reads.
// Accepted headers must pass validate_header, accepted endpoints validate_endpoint, and each
// error is one line.
#include <cctype>
#include <map>
#include <string>

#include "chaostracing/otel_env.hpp"
#include "fuzz_check.hpp"

namespace {

constexpr std::string_view kSuffixes[] = {"ENDPOINT",           "HEADERS",   "PROTOCOL",
                                          "COMPRESSION",        "TIMEOUT",   "CERTIFICATE",
                                          "CLIENT_CERTIFICATE", "CLIENT_KEY"};

// Errors end up in a log line: no control characters at all.
bool one_line(std::string_view error) {
  for (unsigned char c : error) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaostracing;
  using namespace chaostracing::fuzz;
  const std::string_view text = as_text(data, size);

  const ParsedHeaders headers = parse_headers(text, "SRC");
  for (const auto& [name, value] : headers.headers) {
    CHAOSTRACING_FUZZ_CHECK(!validate_header(name, value).has_value());
  }
  for (const auto& error : headers.errors) {
    CHAOSTRACING_FUZZ_CHECK(error.rfind("SRC: ", 0) == 0);
    CHAOSTRACING_FUZZ_CHECK(one_line(error));
  }

  if (!validate_endpoint(text)) {
    std::string scheme(text.substr(0, 8));
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHAOSTRACING_FUZZ_CHECK(scheme.rfind("http://", 0) == 0 || scheme == "https://");
    for (unsigned char c : text) CHAOSTRACING_FUZZ_CHECK(c > 0x20 && c != 0x7f);
  }

  // Alternate lines between the signal-specific and the generic variable of each setting.
  std::map<std::string, std::string, std::less<>> env;
  const auto values = lines(text);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string prefix = i % 2 ? "OTEL_EXPORTER_OTLP_" : "OTEL_EXPORTER_OTLP_TRACES_";
    env[prefix + std::string(kSuffixes[(i / 2) % std::size(kSuffixes)])] = std::string(values[i]);
  }
  const ParsedOtlpEnv parsed =
      parse_otlp_env([&](std::string_view name) -> std::optional<std::string> {
        if (auto it = env.find(name); it != env.end()) return it->second;
        return std::nullopt;
      });
  CHAOSTRACING_FUZZ_CHECK(!validate_endpoint(parsed.options.endpoint).has_value());
  CHAOSTRACING_FUZZ_CHECK(parsed.options.timeout.count() > 0);
  for (const auto& [name, value] : parsed.options.headers) {
    CHAOSTRACING_FUZZ_CHECK(!validate_header(name, value).has_value());
  }
  for (const auto& error : parsed.errors) CHAOSTRACING_FUZZ_CHECK(one_line(error));
  if (const auto error = validate_endpoint(text)) CHAOSTRACING_FUZZ_CHECK(one_line(*error));
  return 0;
}
