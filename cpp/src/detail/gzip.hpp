// SPDX-License-Identifier: Apache-2.0
// gzip (RFC 1952) compression with zlib, for Content-Encoding: gzip.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chaostracing::detail {

// std::nullopt if zlib fails (out of memory).
std::optional<std::string> gzip_compress(std::string_view data) noexcept;

}  // namespace chaostracing::detail
