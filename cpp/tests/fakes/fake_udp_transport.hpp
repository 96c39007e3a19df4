// SPDX-License-Identifier: Apache-2.0
// FakeUdpTransport: records datagrams (copied) and answers with a preset error.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "chaostracing/transport/udp_transport.hpp"

namespace chaostracing::testing {

struct FakeUdpLog {
  std::vector<std::string> datagrams;
  std::string error;  // returned after recording, when not empty
};

class FakeUdpTransport final : public UdpTransport {
 public:
  explicit FakeUdpTransport(std::shared_ptr<FakeUdpLog> log) : log_(std::move(log)) {}

  UdpResult send(std::span<const std::string> datagrams,
                 std::chrono::steady_clock::time_point) noexcept override {
    log_->datagrams.insert(log_->datagrams.end(), datagrams.begin(), datagrams.end());
    return UdpResult{.sent = log_->error.empty() ? datagrams.size() : 0, .error = log_->error};
  }

 private:
  std::shared_ptr<FakeUdpLog> log_;
};

}  // namespace chaostracing::testing
