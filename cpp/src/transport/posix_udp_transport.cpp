// SPDX-License-Identifier: Apache-2.0
// POSIX implementation of UdpTransport.
//
// Why pacing: a receiver drops whatever does not fit its socket buffer (Linux's default,
// 208 KiB, holds about three full datagrams), and nothing tells the sender. A burst of
// dozens of datagrams (thousands of spans exported back to back) to an OpenTelemetry
// Collector lost about half of them in our tests. Spacing datagrams at a rate far above any
// experiment's span rate costs nothing for small traces and lets the receiver keep up with
// large ones.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "chaostracing/transport/udp_transport.hpp"

namespace chaostracing {

UdpTransport::~UdpTransport() = default;

namespace {

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const noexcept { ::freeaddrinfo(info); }
};

std::string errno_text(int error) { return std::strerror(error); }

class PosixUdpTransport final : public UdpTransport {
 public:
  PosixUdpTransport(std::string host, std::uint16_t port, std::uint64_t bytes_per_second)
      : host_(std::move(host)),
        port_(std::to_string(port)),
        bytes_per_second_(std::max<std::uint64_t>(1, bytes_per_second)) {}

  UdpResult send(std::span<const std::string> datagrams,
                 std::chrono::steady_clock::time_point deadline) noexcept override {
    UdpResult result;
    try {
      if (socket_.get() < 0) {
        result.error = connect_socket();
        if (!result.error.empty()) return result;
      }
      for (const auto& datagram : datagrams) {
        if (!pace(datagram.size(), deadline)) {
          result.error = "export deadline passed after " + std::to_string(result.sent) + " of " +
                         std::to_string(datagrams.size()) + " datagrams";
          return result;
        }
        if (!send_one(datagram, result)) return result;
        ++result.sent;
      }
      // A receiver that is not there answers with ICMP, which Linux reports on the socket
      // (loopback: already by now). Ask for it, so a missing agent is not silently "sent".
      int pending = 0;
      socklen_t length = sizeof pending;
      if (::getsockopt(socket_.get(), SOL_SOCKET, SO_ERROR, &pending, &length) == 0 &&
          pending != 0) {
        fail(result, pending);
      }
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    return result;
  }

 private:
  // Waits until `bytes` more fit the rate; false if that would be after the deadline.
  bool pace(std::size_t bytes, std::chrono::steady_clock::time_point deadline) {
    const auto now = std::chrono::steady_clock::now();
    if (next_send_ > now) {
      if (next_send_ > deadline) return false;
      std::this_thread::sleep_until(next_send_);
    }
    const auto cost = std::chrono::nanoseconds(
        static_cast<std::int64_t>(bytes * 1'000'000'000ULL / bytes_per_second_));
    next_send_ = std::max(next_send_, now) + cost;
    return true;
  }

  bool send_one(const std::string& datagram, UdpResult& result) {
    for (;;) {
      const ssize_t n = ::send(socket_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL);
      if (n >= 0) return true;
      if (errno == EINTR) continue;
      fail(result, errno);
      return false;
    }
  }

  void fail(UdpResult& result, int error) {
    result.error = errno_text(error);
    // Resolve and connect again next time: the agent may have moved or come up.
    socket_.reset();
  }

  std::string connect_socket() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* raw = nullptr;
    const int rc = ::getaddrinfo(host_.c_str(), port_.c_str(), &hints, &raw);
    if (rc != 0) return std::string("cannot resolve host: ") + ::gai_strerror(rc);
    std::unique_ptr<addrinfo, AddrInfoDeleter> addresses(raw);
    // IPv4 first: agents traditionally listen on 0.0.0.0, and "localhost" may resolve to ::1
    // first, where nothing listens.
    int last_error = 0;
    for (const int family : {AF_INET, AF_INET6}) {
      for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
        if (a->ai_family != family) continue;
        FileDescriptor fd(::socket(a->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (fd.get() < 0 || ::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
          last_error = errno;
          continue;
        }
        socket_.reset(fd.release());
        return {};
      }
    }
    return last_error != 0 ? errno_text(last_error) : "no IPv4 or IPv6 address";
  }

  std::string host_;
  std::string port_;
  std::uint64_t bytes_per_second_;
  std::chrono::steady_clock::time_point next_send_{};
  FileDescriptor socket_;
};

}  // namespace

std::unique_ptr<UdpTransport> make_udp_transport(std::string host, std::uint16_t port,
                                                 std::uint64_t bytes_per_second) {
  return std::make_unique<PosixUdpTransport>(std::move(host), port, bytes_per_second);
}

}  // namespace chaostracing
