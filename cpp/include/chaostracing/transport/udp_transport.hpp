// SPDX-License-Identifier: Apache-2.0
// UdpTransport: sends datagrams, one write each, to one host:port, and stops at the deadline.
// send() is never called concurrently on one instance; nothing throws. make_udp_transport()
// returns the POSIX implementation: a connected socket (so an ICMP "port unreachable" from a
// receiver that is not there comes back as ECONNREFUSED), resolved on first use and again
// after a failure, and paced to bytes_per_second (UDP has no flow control; see the .cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace chaostracing {

struct UdpResult {
  std::size_t sent = 0;  // datagrams handed to the kernel
  std::string error;     // "" when every datagram was sent, e.g. "Connection refused"
};

class UdpTransport {
 public:
  UdpTransport() = default;
  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;
  virtual ~UdpTransport();

  virtual UdpResult send(std::span<const std::string> datagrams,
                         std::chrono::steady_clock::time_point deadline =
                             std::chrono::steady_clock::time_point::max()) noexcept = 0;
};

// 4 MB/s, a full 65,000-byte datagram every 16 ms: 10,000 spans take about 0.4 s. At 16 MB/s
// an OpenTelemetry Collector on a busy 2-core machine already dropped some.
inline constexpr std::uint64_t kDefaultUdpBytesPerSecond = 4'000'000;

std::unique_ptr<UdpTransport> make_udp_transport(
    std::string host, std::uint16_t port,
    std::uint64_t bytes_per_second = kDefaultUdpBytesPerSecond);

}  // namespace chaostracing
