// SPDX-License-Identifier: Apache-2.0
// JaegerUdpExporter: Jaeger's agent protocol, Agent.emitBatch in Thrift compact over UDP
// (port 6831), one message per datagram of at most max_packet_size bytes. A batch fails
// (kFailure, last_error() like "Jaeger agent 127.0.0.1:6831: Connection refused") when a
// datagram cannot be sent or the agent is known to be absent (ICMP port unreachable), or when
// a span does not fit a datagram even with its values emptied. The constructor throws
// std::invalid_argument for an empty host, port 0 or a max_packet_size below 512.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "chaostracing/encode/jaeger_thrift.hpp"
#include "chaostracing/exporter.hpp"
#include "chaostracing/transport/udp_transport.hpp"

namespace chaostracing {

struct JaegerUdpOptions {
  std::string host = "localhost";
  std::uint16_t port = 6831;
  std::size_t max_packet_size = kJaegerMaxDatagramBytes;
  // Pacing of the POSIX transport (see udp_transport.hpp).
  std::uint64_t bytes_per_second = kDefaultUdpBytesPerSecond;
};

class JaegerUdpExporter final : public Exporter {
 public:
  explicit JaegerUdpExporter(JaegerUdpOptions options);
  // For tests: any transport.
  JaegerUdpExporter(JaegerUdpOptions options, std::unique_ptr<UdpTransport> transport);
  ~JaegerUdpExporter() override;

  ExportResult export_batch(std::span<const SpanData> spans, const Resource& resource,
                            const Scope& scope,
                            std::chrono::steady_clock::time_point deadline) noexcept override;
  std::string describe() const override;

 private:
  JaegerUdpOptions options_;
  std::string display_address_;  // host:port, [v6]:port
  std::unique_ptr<UdpTransport> transport_;
};

}  // namespace chaostracing
