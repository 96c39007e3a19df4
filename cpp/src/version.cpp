// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/version.hpp"

namespace chaostracing {

std::string_view version() noexcept { return CHAOSTRACING_VERSION; }

}  // namespace chaostracing
