// SPDX-License-Identifier: Apache-2.0
// Zipkin v2 JSON writer. Fields that are empty are left out, as the OTel mapping asks
// ("Request Payload"); resource attributes other than service.name have no Zipkin field and
// are not sent (the mapping leaves them undefined).
#include "chaostracing/encode/zipkin_json.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "chaostracing/ids.hpp"
#include "detail/json.hpp"

namespace chaostracing {
namespace {

using Tags = std::vector<std::pair<std::string, std::string>>;

// JSON objects with duplicate keys are ambiguous: a later tag replaces an earlier one.
void set_tag(Tags& tags, std::string key, std::string value) {
  for (auto& [k, v] : tags) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  tags.emplace_back(std::move(key), std::move(value));
}

void append_integer(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, result.ptr);
}

std::string_view kind_name(SpanKind kind) {
  switch (kind) {
    case SpanKind::kServer:
      return "SERVER";
    case SpanKind::kClient:
      return "CLIENT";
    case SpanKind::kProducer:
      return "PRODUCER";
    case SpanKind::kConsumer:
      return "CONSUMER";
    default:
      return {};  // internal: "must be omitted"
  }
}

// `"name": {attributes as JSON}`, the annotation form the OTel mapping gives for events.
std::string annotation_value(const Event& event) {
  std::string value;
  detail::append_json_string(value, event.name);
  value.append(": {");
  bool first = true;
  for (const auto& attribute : event.attributes) {
    if (!first) value.push_back(',');
    first = false;
    detail::append_json_string(value, attribute.key);
    value.push_back(':');
    detail::append_json_value(value, attribute.value);
  }
  value.push_back('}');
  return value;
}

void write_span(std::string& out, const SpanData& span, std::string_view service_name,
                const Scope& scope) {
  out.append("{\"traceId\":\"");
  out.append(trace_id_to_hex(span.trace_id));
  out.append("\",\"id\":\"");
  out.append(span_id_to_hex(span.span_id));
  out.push_back('"');
  if (span.parent_span_id != 0) {
    out.append(",\"parentId\":\"");
    out.append(span_id_to_hex(span.parent_span_id));
    out.push_back('"');
  }
  if (const auto kind = kind_name(span.kind); !kind.empty()) {
    out.append(",\"kind\":\"");
    out.append(kind);
    out.push_back('"');
  }
  if (!span.name.empty()) {
    out.append(",\"name\":");
    detail::append_json_string(out, span.name);
  }
  // Both ends truncated to µs (so timestamp + duration is the end's µs); Zipkin rejects a
  // zero duration, hence at least 1.
  const std::uint64_t start_us = span.start_time_unix_nano / 1000;
  const std::uint64_t end_us = std::max(span.end_time_unix_nano, span.start_time_unix_nano) / 1000;
  if (start_us != 0) {
    out.append(",\"timestamp\":");
    append_integer(out, start_us);
    out.append(",\"duration\":");
    append_integer(out, std::max<std::uint64_t>(1, end_us - start_us));
  }
  out.append(",\"localEndpoint\":{\"serviceName\":");
  detail::append_json_string(out, service_name);
  out.push_back('}');
  if (!span.events.empty()) {
    out.append(",\"annotations\":[");
    bool first = true;
    for (const auto& event : span.events) {
      if (!first) out.push_back(',');
      first = false;
      out.append("{\"timestamp\":");
      append_integer(out, event.time_unix_nano / 1000);
      out.append(",\"value\":");
      detail::append_json_string(out, annotation_value(event));
      out.push_back('}');
    }
    out.push_back(']');
  }

  Tags tags;
  tags.reserve(span.attributes.size() + 4);
  for (const auto& attribute : span.attributes) {
    set_tag(tags, attribute.key.str(), detail::attribute_to_string(attribute.value));
  }
  if (!scope.name.empty()) set_tag(tags, "otel.scope.name", scope.name);
  if (!scope.version.empty()) set_tag(tags, "otel.scope.version", scope.version);
  if (span.status_code == StatusCode::kOk) {
    set_tag(tags, "otel.status_code", "OK");
  } else if (span.status_code == StatusCode::kError) {
    set_tag(tags, "otel.status_code", "ERROR");
    // The description, "" if none: Zipkin treats any span with an error tag as failed.
    set_tag(tags, "error", span.status_message);
  }
  if (!tags.empty()) {
    out.append(",\"tags\":{");
    bool first = true;
    for (const auto& [key, value] : tags) {
      if (!first) out.push_back(',');
      first = false;
      detail::append_json_string(out, key);
      out.push_back(':');
      detail::append_json_string(out, value);
    }
    out.push_back('}');
  }
  out.push_back('}');
}

}  // namespace

std::string encode_zipkin_json(std::span<const SpanData> spans, const Resource& resource,
                               const Scope& scope) {
  // The SDK default (https://opentelemetry.io/docs/specs/otel/resource/sdk/) when the
  // resource has no service.name.
  std::string service_name = "unknown_service";
  for (const auto& attribute : resource.attributes) {
    if (attribute.key == "service.name") {
      if (const auto* name = std::get_if<std::string>(&attribute.value)) service_name = *name;
    }
  }
  std::string out;
  out.reserve(2 + spans.size() * 512);
  out.push_back('[');
  bool first = true;
  for (const auto& span : spans) {
    if (!first) out.push_back(',');
    first = false;
    write_span(out, span, service_name, scope);
  }
  out.push_back(']');
  return out;
}

}  // namespace chaostracing
