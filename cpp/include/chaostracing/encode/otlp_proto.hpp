// SPDX-License-Identifier: Apache-2.0
// Encodes spans as one opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest
// (one ResourceSpans with one ScopeSpans) in protobuf wire format, byte-identical to
// libprotobuf's serialization of the same message. Strings that are not valid UTF-8 get
// U+FFFD for each bad byte, since proto3 parsers reject them. Pure; throws only bad_alloc.
#pragma once

#include <span>
#include <string>

#include "chaostracing/span.hpp"

namespace chaostracing {

std::string encode_otlp_proto(std::span<const SpanData> spans, const Resource& resource,
                              const Scope& scope);

// The same bytes, appended to `out`: a caller that keeps `out` from one batch to the next
// encodes into memory it already has.
void encode_otlp_proto(std::span<const SpanData> spans, const Resource& resource,
                       const Scope& scope, std::string& out);

}  // namespace chaostracing
