// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/clock.hpp"

#include <chrono>

namespace chaostracing {

std::uint64_t now_unix_nano() noexcept {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count());
}

}  // namespace chaostracing
