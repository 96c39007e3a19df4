// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/jaeger_udp_exporter.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "fakes/fake_udp_transport.hpp"

namespace chaostracing {
namespace {

using testing::FakeUdpLog;
using testing::FakeUdpTransport;

constexpr auto kFarDeadline = std::chrono::steady_clock::time_point::max();

std::vector<SpanData> spans(int count) {
  std::vector<SpanData> out;
  for (int i = 0; i < count; ++i) {
    SpanData span;
    span.trace_id[15] = 1;
    span.span_id = static_cast<SpanId>(i + 1);
    span.name = "span";
    span.start_time_unix_nano = 1'000'000;
    span.end_time_unix_nano = 2'000'000;
    out.push_back(span);
  }
  return out;
}

const Resource kResource{{Attribute{"service.name", std::string("svc")}}};

TEST(JaegerUdpExporter, SendsTheEncodersDatagrams) {
  auto log = std::make_shared<FakeUdpLog>();
  JaegerUdpExporter exporter(JaegerUdpOptions{.host = "127.0.0.1", .port = 6831},
                             std::make_unique<FakeUdpTransport>(log));
  const auto batch = spans(3);
  EXPECT_EQ(exporter.export_batch(batch, kResource, Scope{}, kFarDeadline), ExportResult::kSuccess);
  EXPECT_EQ(log->datagrams, encode_jaeger_agent_datagrams(batch, kResource, Scope{}).datagrams);
  EXPECT_EQ(exporter.describe(), "Jaeger agent (UDP, Thrift compact) 127.0.0.1:6831");
}

TEST(JaegerUdpExporter, SplitsByMaxPacketSize) {
  auto log = std::make_shared<FakeUdpLog>();
  JaegerUdpExporter exporter(JaegerUdpOptions{.host = "h", .port = 1, .max_packet_size = 600},
                             std::make_unique<FakeUdpTransport>(log));
  ASSERT_EQ(exporter.export_batch(spans(100), kResource, Scope{}, kFarDeadline),
            ExportResult::kSuccess);
  ASSERT_GE(log->datagrams.size(), 5u);
  for (const auto& datagram : log->datagrams) EXPECT_LE(datagram.size(), 600u);
}

TEST(JaegerUdpExporter, TransportErrorNamesTheAgent) {
  auto log = std::make_shared<FakeUdpLog>();
  log->error = "Connection refused";
  JaegerUdpExporter exporter(JaegerUdpOptions{.host = "127.0.0.1", .port = 6831},
                             std::make_unique<FakeUdpTransport>(log));
  EXPECT_EQ(exporter.export_batch(spans(1), kResource, Scope{}, kFarDeadline),
            ExportResult::kFailure);
  EXPECT_EQ(exporter.last_error(), "Jaeger agent 127.0.0.1:6831: Connection refused");
}

TEST(JaegerUdpExporter, SpanTooLargeEvenWhenEmptiedFailsTheBatch) {
  auto log = std::make_shared<FakeUdpLog>();
  JaegerUdpExporter exporter(JaegerUdpOptions{.host = "::1", .port = 6831, .max_packet_size = 512},
                             std::make_unique<FakeUdpTransport>(log));
  auto batch = spans(2);
  for (int i = 0; i < 100; ++i) batch[1].set_attribute("attribute-" + std::to_string(i), 1.0);
  EXPECT_EQ(exporter.export_batch(batch, kResource, Scope{}, kFarDeadline), ExportResult::kFailure);
  EXPECT_EQ(log->datagrams.size(), 1u);  // the other span is still sent
  EXPECT_EQ(exporter.last_error(),
            "Jaeger agent [::1]:6831: 1 span(s) do not fit a 512-byte datagram even with their "
            "values emptied");
}

TEST(JaegerUdpExporter, RejectsBadOptions) {
  EXPECT_THROW(JaegerUdpExporter(JaegerUdpOptions{.host = ""}), std::invalid_argument);
  EXPECT_THROW(JaegerUdpExporter(JaegerUdpOptions{.port = 0}), std::invalid_argument);
  EXPECT_THROW(JaegerUdpExporter(JaegerUdpOptions{.max_packet_size = 100}), std::invalid_argument);
  EXPECT_THROW(JaegerUdpExporter(JaegerUdpOptions{.max_packet_size = 70000}),
               std::invalid_argument);
}

// A UDP socket bound to a free loopback port.
class UdpReceiver {
 public:
  UdpReceiver() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~UdpReceiver() { close(); }
  UdpReceiver(const UdpReceiver&) = delete;
  UdpReceiver& operator=(const UdpReceiver&) = delete;

  std::uint16_t port() const { return port_; }
  std::string receive() {
    std::string buffer(70000, '\0');
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    buffer.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return buffer;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST(JaegerUdpExporter, RealSocketDeliversEachDatagram) {
  UdpReceiver receiver;
  JaegerUdpExporter exporter(JaegerUdpOptions{.host = "127.0.0.1", .port = receiver.port()});
  const auto batch = spans(2);
  ASSERT_EQ(exporter.export_batch(batch, kResource, Scope{}, kFarDeadline), ExportResult::kSuccess)
      << exporter.last_error();
  EXPECT_EQ(receiver.receive(),
            encode_jaeger_agent_datagrams(batch, kResource, Scope{}).datagrams.at(0));
}

TEST(JaegerUdpExporter, AbsentAgentIsReportedAsAFailure) {
  std::uint16_t port = 0;
  {
    UdpReceiver receiver;  // take a free port, then leave nobody listening on it
    port = receiver.port();
  }
  JaegerUdpExporter exporter(JaegerUdpOptions{.host = "127.0.0.1", .port = port});
  // On loopback the ICMP "port unreachable" is back before send() returns, so already the
  // first export sees it; a second one at the latest.
  ExportResult first = exporter.export_batch(spans(1), kResource, Scope{}, kFarDeadline);
  ExportResult second = exporter.export_batch(spans(1), kResource, Scope{}, kFarDeadline);
  EXPECT_EQ(second, ExportResult::kFailure);
  EXPECT_EQ(first, ExportResult::kFailure);
  EXPECT_EQ(exporter.last_error(),
            "Jaeger agent 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

}  // namespace
}  // namespace chaostracing
