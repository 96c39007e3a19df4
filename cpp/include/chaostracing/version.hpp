// SPDX-License-Identifier: Apache-2.0
// The library version, as set by the CMake project() call (e.g. "0.19.0").
// Thread-safe; never fails.
#pragma once

#include <string_view>

namespace chaostracing {

std::string_view version() noexcept;

}  // namespace chaostracing
