// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/redactor.hpp"

#include <algorithm>

namespace chaostracing {

Redactor::Redactor(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {
  std::erase_if(secrets_, [](const std::string& s) { return s.empty(); });
  std::sort(secrets_.begin(), secrets_.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
}

bool Redactor::redact(std::string& text) const {
  const std::string_view view(text);
  std::size_t first = std::string_view::npos;
  for (const auto& secret : secrets_) first = std::min(first, view.find(secret));
  if (first == std::string_view::npos) return false;

  std::string out(view.substr(0, first));
  std::size_t i = first;
  while (i < view.size()) {
    const std::string_view rest = view.substr(i);
    const auto hit = std::find_if(secrets_.begin(), secrets_.end(),
                                  [&](const std::string& s) { return rest.starts_with(s); });
    if (hit != secrets_.end()) {
      out += kMarker;
      i += hit->size();
    } else {
      out += view[i];
      ++i;
    }
  }
  text = std::move(out);
  return true;
}

}  // namespace chaostracing
