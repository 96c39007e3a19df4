// SPDX-License-Identifier: Apache-2.0
// Shared by the fuzz harnesses: a check that aborts (so libFuzzer and the replay runner both
// report the input) and helpers to cut one input into several header values.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

// An invariant of the code under test, not an input check: failing it is a bug.
#define CHAOSTRACING_FUZZ_CHECK(condition)                                                   \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace chaostracing::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input's lines ('\n'-separated): one header value each, so that a corpus file stays
// readable and the fuzzer can still put any other byte (CR, NUL, non-ASCII) in a value.
inline std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t begin = 0;
  while (true) {
    const auto end = text.find('\n', begin);
    if (end == std::string_view::npos) {
      out.push_back(text.substr(begin));
      return out;
    }
    out.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
}

}  // namespace chaostracing::fuzz
