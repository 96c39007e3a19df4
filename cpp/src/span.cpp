// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/span.hpp"

#include <algorithm>

namespace chaostracing {

void set_attribute(std::vector<Attribute>& attributes, AttributeKey key, AttributeValue value) {
  // Linear search: spans carry a handful of attributes, where this beats any map.
  auto it = std::find_if(attributes.begin(), attributes.end(),
                         [&](const Attribute& a) { return a.key == key; });
  if (it != attributes.end()) {
    it->value = std::move(value);
    return;
  }
  attributes.push_back(Attribute{std::move(key), std::move(value)});
}

}  // namespace chaostracing
