// SPDX-License-Identifier: Apache-2.0
// Encodes spans as a Zipkin v2 JSON array (zipkin-api zipkin2-api.yaml, the body of
// POST /api/v2/spans) after OpenTelemetry's "OpenTelemetry to Zipkin Transformation":
// lower-hex ids, µs timestamp and duration (at least 1), kind left out for internal spans,
// localEndpoint.serviceName from service.name, string tags, status as otel.status_code plus
// an error tag, events as annotations. Always valid JSON. Pure; throws only bad_alloc.
#pragma once

#include <span>
#include <string>

#include "chaostracing/span.hpp"

namespace chaostracing {

std::string encode_zipkin_json(std::span<const SpanData> spans, const Resource& resource,
                               const Scope& scope);

}  // namespace chaostracing
