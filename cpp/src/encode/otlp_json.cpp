// SPDX-License-Identifier: Apache-2.0
// OTLP/JSON writer. Keys are the proto field names in lowerCamelCase, in field-number order;
// proto3 defaults are omitted except oneof members (AnyValue), resource, scope and status,
// which are always present (mirroring otlp_proto.cpp so both encodings decode to equal
// messages). 64-bit integers are decimal strings, as the protobuf JSON mapping requires.
#include "chaostracing/encode/otlp_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "chaostracing/ids.hpp"
#include "detail/utf8.hpp"

namespace chaostracing {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void raw(std::string_view s) { out_.append(s); }
  void raw(char c) { out_.push_back(c); }

  void string(std::string_view s) {
    out_.push_back('"');
    std::size_t i = 0;
    while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        const std::size_t n = detail::utf8_sequence_length(s, i);
        if (n == 0) {
          out_.append(detail::kReplacementCharacter);
          ++i;
        } else {
          out_.append(s.substr(i, n));
          i += n;
        }
        continue;
      }
      switch (c) {
        case '"':
          out_.append("\\\"");
          break;
        case '\\':
          out_.append("\\\\");
          break;
        case '\b':
          out_.append("\\b");
          break;
        case '\f':
          out_.append("\\f");
          break;
        case '\n':
          out_.append("\\n");
          break;
        case '\r':
          out_.append("\\r");
          break;
        case '\t':
          out_.append("\\t");
          break;
        default:
          if (c < 0x20) {
            out_.append("\\u00");
            out_.push_back(kHexDigits[c >> 4]);
            out_.push_back(kHexDigits[c & 0x0f]);
          } else {
            out_.push_back(static_cast<char>(c));
          }
      }
      ++i;
    }
    out_.push_back('"');
  }

  // `"key":` preceded by a comma unless it opens the object.
  void key(std::string_view k, bool& first) {
    if (!first) out_.push_back(',');
    first = false;
    out_.push_back('"');
    out_.append(k);
    out_.append("\":");
  }

  template <typename Int>
  void integer(Int v) {
    char buf[24];
    auto result = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, result.ptr);
  }

  template <typename Int>
  void quoted_integer(Int v) {
    out_.push_back('"');
    integer(v);
    out_.push_back('"');
  }

  void number(double v) {
    if (std::isnan(v)) {
      out_.append("\"NaN\"");
    } else if (std::isinf(v)) {
      out_.append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else if (v == 0 && std::signbit(v)) {
      // to_chars gives "-0", which some JSON readers take for the integer 0.
      out_.append("-0.0");
    } else {
      char buf[32];
      // Shortest representation that round-trips.
      auto result = std::to_chars(buf, buf + sizeof buf, v);
      out_.append(buf, result.ptr);
    }
  }

 private:
  std::string& out_;
};

void write_scalar(JsonWriter& w, const std::string& v) {
  w.raw("{\"stringValue\":");
  w.string(v);
  w.raw('}');
}
void write_scalar(JsonWriter& w, bool v) {
  w.raw(v ? "{\"boolValue\":true}" : "{\"boolValue\":false}");
}
void write_scalar(JsonWriter& w, std::int64_t v) {
  w.raw("{\"intValue\":");
  w.quoted_integer(v);
  w.raw('}');
}
void write_scalar(JsonWriter& w, double v) {
  w.raw("{\"doubleValue\":");
  w.number(v);
  w.raw('}');
}

void write_any_value(JsonWriter& w, const AttributeValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                      std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          write_scalar(w, v);
        } else {
          w.raw("{\"arrayValue\":{");
          if (!v.empty()) {
            w.raw("\"values\":[");
            bool first = true;
            for (const auto& element : v) {
              if (!first) w.raw(',');
              first = false;
              write_scalar(w, static_cast<typename T::value_type>(element));
            }
            w.raw(']');
          }
          w.raw("}}");
        }
      },
      value);
}

void write_attributes(JsonWriter& w, const AttributeList& attrs, bool& first) {
  if (attrs.empty()) return;
  w.key("attributes", first);
  w.raw('[');
  bool first_attr = true;
  for (const auto& attribute : attrs) {
    if (!first_attr) w.raw(',');
    first_attr = false;
    w.raw("{\"key\":");
    w.string(attribute.key);
    w.raw(",\"value\":");
    write_any_value(w, attribute.value);
    w.raw('}');
  }
  w.raw(']');
}

void write_span(JsonWriter& w, const SpanData& span) {
  bool first = true;
  w.raw('{');
  w.key("traceId", first);
  w.string(trace_id_to_hex(span.trace_id));
  w.key("spanId", first);
  w.string(span_id_to_hex(span.span_id));
  if (!span.trace_state.empty()) {
    w.key("traceState", first);
    w.string(span.trace_state);
  }
  if (span.parent_span_id != 0) {
    w.key("parentSpanId", first);
    w.string(span_id_to_hex(span.parent_span_id));
  }
  if (!span.name.empty()) {
    w.key("name", first);
    w.string(span.name);
  }
  if (span.kind != SpanKind::kUnspecified) {
    w.key("kind", first);
    w.integer(static_cast<int>(span.kind));
  }
  if (span.start_time_unix_nano != 0) {
    w.key("startTimeUnixNano", first);
    w.quoted_integer(span.start_time_unix_nano);
  }
  if (span.end_time_unix_nano != 0) {
    w.key("endTimeUnixNano", first);
    w.quoted_integer(span.end_time_unix_nano);
  }
  write_attributes(w, span.attributes, first);
  if (!span.events.empty()) {
    w.key("events", first);
    w.raw('[');
    bool first_event = true;
    for (const auto& event : span.events) {
      if (!first_event) w.raw(',');
      first_event = false;
      bool first_field = true;
      w.raw('{');
      if (event.time_unix_nano != 0) {
        w.key("timeUnixNano", first_field);
        w.quoted_integer(event.time_unix_nano);
      }
      if (!event.name.empty()) {
        w.key("name", first_field);
        w.string(event.name);
      }
      write_attributes(w, event.attributes, first_field);
      w.raw('}');
    }
    w.raw(']');
  }
  w.key("status", first);
  {
    bool first_field = true;
    w.raw('{');
    if (!span.status_message.empty()) {
      w.key("message", first_field);
      w.string(span.status_message);
    }
    if (span.status_code != StatusCode::kUnset) {
      w.key("code", first_field);
      w.integer(static_cast<int>(span.status_code));
    }
    w.raw('}');
  }
  if (span.flags != 0) {
    w.key("flags", first);
    w.integer(span.flags);
  }
  w.raw('}');
}

}  // namespace

std::string encode_otlp_json(std::span<const SpanData> spans, const Resource& resource,
                             const Scope& scope) {
  std::string out;
  out.reserve(256 + spans.size() * 512);
  JsonWriter w(out);
  w.raw("{\"resourceSpans\":[{\"resource\":{");
  {
    bool first = true;
    write_attributes(w, resource.attributes, first);
  }
  w.raw("},\"scopeSpans\":[{\"scope\":{");
  {
    bool first = true;
    if (!scope.name.empty()) {
      w.key("name", first);
      w.string(scope.name);
    }
    if (!scope.version.empty()) {
      w.key("version", first);
      w.string(scope.version);
    }
  }
  w.raw('}');
  if (!spans.empty()) {
    w.raw(",\"spans\":[");
    bool first = true;
    for (const auto& span : spans) {
      if (!first) w.raw(',');
      first = false;
      write_span(w, span);
    }
    w.raw(']');
  }
  w.raw("}]}]}");
  return out;
}

}  // namespace chaostracing
