// SPDX-License-Identifier: Apache-2.0
// The POSIX UDP transport on loopback: delivery, pacing and the deadline.
#include "chaostracing/transport/udp_transport.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace chaostracing {
namespace {

class Receiver {
 public:
  Receiver() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    // Room for everything a test sends: nothing may be dropped here.
    const int size = 1 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~Receiver() { ::close(fd_); }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::uint16_t port() const { return port_; }
  std::string receive() {
    std::string buffer(70000, '\0');
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    buffer.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return buffer;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST(UdpTransport, DeliversEveryDatagramInOrder) {
  Receiver receiver;
  auto transport = make_udp_transport("127.0.0.1", receiver.port());
  const std::vector<std::string> datagrams{"one", std::string(60000, 'x'), "three"};
  const UdpResult result = transport->send(datagrams);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.sent, 3u);
  for (const auto& datagram : datagrams) EXPECT_EQ(receiver.receive(), datagram);
}

TEST(UdpTransport, PacesDatagramsToTheRate) {
  Receiver receiver;
  // 1 MB/s: ten 10,000-byte datagrams need at least 90 ms after the first.
  auto transport = make_udp_transport("127.0.0.1", receiver.port(), 1'000'000);
  const std::vector<std::string> datagrams(10, std::string(10000, 'p'));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(transport->send(datagrams).sent, 10u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(90));
}

TEST(UdpTransport, StopsAtTheDeadlineInsteadOfWaitingForTheRate) {
  Receiver receiver;
  // 1,000 bytes/s: the second 1,000-byte datagram could only leave a second later.
  auto transport = make_udp_transport("127.0.0.1", receiver.port(), 1000);
  const std::vector<std::string> datagrams(2, std::string(1000, 'd'));
  const auto start = std::chrono::steady_clock::now();
  const UdpResult result = transport->send(datagrams, start + std::chrono::milliseconds(100));
  EXPECT_EQ(result.sent, 1u);
  EXPECT_EQ(result.error, "export deadline passed after 1 of 2 datagrams");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

}  // namespace
}  // namespace chaostracing
