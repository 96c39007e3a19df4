// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/exporter.hpp"

#include "chaostracing/transport/http_transport.hpp"

namespace chaostracing {

Exporter::~Exporter() = default;

std::string Exporter::last_error() const {
  std::lock_guard lock(error_mu_);
  return last_error_;
}

void Exporter::set_last_error(std::string message) noexcept {
  std::lock_guard lock(error_mu_);
  last_error_.swap(message);
}

HttpTransport::~HttpTransport() = default;

}  // namespace chaostracing
