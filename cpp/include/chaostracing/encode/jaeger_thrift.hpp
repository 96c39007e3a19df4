// SPDX-License-Identifier: Apache-2.0
// Jaeger Thrift encodings (jaeger-idl jaeger.thrift / agent.thrift) after OpenTelemetry's
// "OpenTelemetry to Jaeger Transformation": Agent.emitBatch messages in the compact protocol,
// one per UDP datagram and each at most max_datagram_bytes, and a bare Batch struct in the
// binary protocol (the body of Jaeger's POST /api/traces). A span too large for a datagram
// has its string values shortened (never dropped). Pure; throws only bad_alloc.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "chaostracing/span.hpp"

namespace chaostracing {

// The agent's and the Collector jaeger receiver's default max_packet_size.
inline constexpr std::size_t kJaegerMaxDatagramBytes = 65000;

struct JaegerDatagrams {
  std::vector<std::string> datagrams;
  // Spans whose tag and log values were shortened to fit one datagram.
  std::size_t truncated_spans = 0;
  // Spans that do not fit even with every such value emptied (e.g. tens of thousands of
  // attributes); they are in no datagram.
  std::size_t oversized_spans = 0;
};

JaegerDatagrams encode_jaeger_agent_datagrams(
    std::span<const SpanData> spans, const Resource& resource, const Scope& scope,
    std::size_t max_datagram_bytes = kJaegerMaxDatagramBytes);

std::string encode_jaeger_batch_binary(std::span<const SpanData> spans, const Resource& resource,
                                       const Scope& scope);

}  // namespace chaostracing
