// SPDX-License-Identifier: Apache-2.0
// Wall-clock time for span timestamps, in nanoseconds since the Unix epoch (system_clock).
// Thread-safe; never fails.
#pragma once

#include <cstdint>

namespace chaostracing {

std::uint64_t now_unix_nano() noexcept;

}  // namespace chaostracing
