// SPDX-License-Identifier: Apache-2.0
// UTF-8 validation and repair shared by the encoders.
#pragma once

#include <string>
#include <string_view>

namespace chaostracing::detail {

// Length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 if s[i] starts an invalid
// one (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

bool is_valid_utf8(std::string_view s) noexcept;

// Appends `s` to `out`, replacing each byte that is not part of a valid sequence by U+FFFD.
void append_utf8_repaired(std::string& out, std::string_view s);

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

}  // namespace chaostracing::detail
