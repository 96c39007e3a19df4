// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/jaeger_udp_exporter.hpp"

#include <stdexcept>

namespace chaostracing {
namespace {

// The smallest datagram we accept to fill: room for a process and a modest span.
constexpr std::size_t kMinPacketSize = 512;

JaegerUdpOptions checked(JaegerUdpOptions options) {
  if (options.host.empty()) throw std::invalid_argument("Jaeger agent host is empty");
  if (options.port == 0) throw std::invalid_argument("Jaeger agent port must be 1-65535");
  if (options.max_packet_size < kMinPacketSize || options.max_packet_size > 65507) {
    // 65507: the largest UDP payload over IPv4.
    throw std::invalid_argument("max_packet_size must be 512-65507 bytes, got " +
                                std::to_string(options.max_packet_size));
  }
  return options;
}

}  // namespace

JaegerUdpExporter::JaegerUdpExporter(JaegerUdpOptions options)
    : JaegerUdpExporter(checked(options),
                        make_udp_transport(options.host, options.port, options.bytes_per_second)) {}

JaegerUdpExporter::JaegerUdpExporter(JaegerUdpOptions options,
                                     std::unique_ptr<UdpTransport> transport)
    : options_(checked(std::move(options))), transport_(std::move(transport)) {
  if (!transport_) throw std::invalid_argument("JaegerUdpExporter needs a transport");
  const bool ipv6 = options_.host.find(':') != std::string::npos;
  display_address_ =
      (ipv6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(options_.port);
}

JaegerUdpExporter::~JaegerUdpExporter() = default;

ExportResult JaegerUdpExporter::export_batch(
    std::span<const SpanData> spans, const Resource& resource, const Scope& scope,
    std::chrono::steady_clock::time_point deadline) noexcept {
  const std::string prefix = "Jaeger agent " + display_address_ + ": ";
  try {
    if (std::chrono::steady_clock::now() >= deadline) {
      set_last_error(prefix + "export deadline passed before sending");
      return ExportResult::kFailure;
    }
    const JaegerDatagrams encoded =
        encode_jaeger_agent_datagrams(spans, resource, scope, options_.max_packet_size);
    const UdpResult sent = transport_->send(encoded.datagrams, deadline);
    if (!sent.error.empty()) {
      set_last_error(prefix + sent.error);
      return ExportResult::kFailure;
    }
    if (encoded.oversized_spans != 0) {
      set_last_error(prefix + std::to_string(encoded.oversized_spans) + " span(s) do not fit a " +
                     std::to_string(options_.max_packet_size) +
                     "-byte datagram even with their values emptied");
      return ExportResult::kFailure;
    }
    return ExportResult::kSuccess;
  } catch (const std::exception& e) {
    set_last_error(prefix + e.what());
  }
  return ExportResult::kFailure;
}

std::string JaegerUdpExporter::describe() const {
  return "Jaeger agent (UDP, Thrift compact) " + display_address_;
}

}  // namespace chaostracing
