// SPDX-License-Identifier: Apache-2.0
// Encodes spans as one OTLP/JSON ExportTraceServiceRequest object on a single line (no '\n'):
// the protobuf JSON mapping with OTLP's exceptions (hex trace/span ids, integer enums),
// https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding. Output is always valid
// JSON: invalid UTF-8 becomes U+FFFD, NaN/Infinity become strings. Pure; throws only bad_alloc.
#pragma once

#include <span>
#include <string>

#include "chaostracing/span.hpp"

namespace chaostracing {

std::string encode_otlp_json(std::span<const SpanData> spans, const Resource& resource,
                             const Scope& scope);

}  // namespace chaostracing
