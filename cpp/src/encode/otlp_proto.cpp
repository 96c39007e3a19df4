// SPDX-License-Identifier: Apache-2.0
// Hand-written protobuf wire writer for the OTLP trace messages. Field numbers follow
// opentelemetry-proto (collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
// common/v1/common.proto, resource/v1/resource.proto). Fields are written in field-number
// order and proto3 defaults are omitted, except oneof members (AnyValue), which protobuf
// always writes once set.
#include "chaostracing/encode/otlp_proto.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <variant>

#include "detail/utf8.hpp"

namespace chaostracing {
namespace {

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Writes into `out` through an index, with no capacity check per byte: callers first
// ensure() room for an upper bound of what they write (see the *_bound functions), which
// is what makes this writer several times cheaper than std::string::append per field.
class ProtoWriter {
 public:
  explicit ProtoWriter(std::string& out) : out_(out), pos_(out.size()) {}
  ProtoWriter(const ProtoWriter&) = delete;
  ProtoWriter& operator=(const ProtoWriter&) = delete;
  ~ProtoWriter() { out_.resize(pos_); }

  // Room for `n` more bytes; grows geometrically so that the zero-fill is amortised.
  void ensure(std::size_t n) {
    if (out_.size() - pos_ >= n) return;
    out_.resize(std::max(pos_ + n, out_.size() * 2));
  }

  void varint(std::uint64_t v) {
    char* p = out_.data();
    while (v >= 0x80) {
      p[pos_++] = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    p[pos_++] = static_cast<char>(v);
  }

  void tag(std::uint32_t field, WireType type) { varint((field << 3) | type); }

  void varint_field(std::uint32_t field, std::uint64_t v) {
    tag(field, kVarint);
    varint(v);
  }

  void fixed64_field(std::uint32_t field, std::uint64_t v) {
    tag(field, kFixed64);
    little_endian(v);
  }

  void fixed32_field(std::uint32_t field, std::uint32_t v) {
    tag(field, kFixed32);
    little_endian(v);
  }

  void double_field(std::uint32_t field, double v) {
    fixed64_field(field, std::bit_cast<std::uint64_t>(v));
  }

  void bytes_field(std::uint32_t field, std::string_view bytes) {
    tag(field, kLengthDelimited);
    varint(bytes.size());
    if (!bytes.empty()) std::memcpy(out_.data() + pos_, bytes.data(), bytes.size());
    pos_ += bytes.size();
  }

  // Strings must be valid UTF-8 in proto3; repair rather than have the collector reject the
  // whole request. A repaired string is at most three times as long (string_bound()).
  void string_field(std::uint32_t field, std::string_view s) {
    if (detail::is_valid_utf8(s)) {
      bytes_field(field, s);
      return;
    }
    std::string repaired;
    detail::append_utf8_repaired(repaired, s);
    bytes_field(field, repaired);
  }

  // Nested messages: reserve one length byte, write the body, then widen the length in place
  // if the body turned out longer than 127 bytes. Sizes stay canonical (minimal varints), as
  // libprotobuf writes them, at the cost of one memmove per large message.
  std::size_t begin_message(std::uint32_t field) {
    tag(field, kLengthDelimited);
    out_[pos_++] = '\0';
    return pos_;
  }

  void end_message(std::size_t body_start) {
    const std::size_t length = pos_ - body_start;
    std::size_t width = 1;
    for (std::size_t v = length; v >= 0x80; v >>= 7) ++width;
    if (width > 1) {
      ensure(width - 1);
      char* p = out_.data();
      std::memmove(p + body_start + width - 1, p + body_start, length);
      pos_ += width - 1;
    }
    std::size_t at = body_start - 1;
    std::size_t v = length;
    char* p = out_.data();
    while (v >= 0x80) {
      p[at++] = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    p[at] = static_cast<char>(v);
  }

 private:
  template <typename T>
  void little_endian(T v) {
    char* p = out_.data() + pos_;
    for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<char>(v >> (8 * i));
    pos_ += sizeof(T);
  }

  std::string& out_;
  std::size_t pos_;
};

// Upper bounds of encoded sizes, for ProtoWriter::ensure(). Generous rather than exact:
// a tag or a length is at most 10 bytes, a fixed-width value 8, and repairing invalid UTF-8
// at most triples a string.
constexpr std::size_t kFieldBound = 20;

std::size_t string_bound(std::string_view s) { return kFieldBound + 3 * s.size(); }

std::size_t value_bound(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::size_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return 2 * kFieldBound + string_bound(v);
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> ||
                             std::is_same_v<T, double>) {
          return 2 * kFieldBound;
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::size_t n = 2 * kFieldBound;
          for (const auto& element : v) n += 2 * kFieldBound + string_bound(element);
          return n;
        } else {
          return 2 * kFieldBound + v.size() * 3 * kFieldBound;
        }
      },
      value);
}

std::size_t attributes_bound(const AttributeList& attrs) {
  std::size_t n = 0;
  for (const auto& a : attrs) n += 2 * kFieldBound + string_bound(a.key) + value_bound(a.value);
  return n;
}

std::size_t span_bound(const SpanData& span) {
  std::size_t n = 16 * kFieldBound + string_bound(span.trace_state) + string_bound(span.name) +
                  string_bound(span.status_message) + attributes_bound(span.attributes);
  for (const auto& event : span.events) {
    n += 4 * kFieldBound + string_bound(event.name) + attributes_bound(event.attributes);
  }
  return n;
}

std::string_view id_bytes(const TraceId& id) {
  return {reinterpret_cast<const char*>(id.data()), id.size()};
}

// Span ids go on the wire as 8 big-endian bytes.
std::array<char, 8> span_id_bytes(SpanId id) {
  std::array<char, 8> out{};
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>(id >> (56 - 8 * i));
  return out;
}

// AnyValue members.
constexpr std::uint32_t kStringValue = 1;
constexpr std::uint32_t kBoolValue = 2;
constexpr std::uint32_t kIntValue = 3;
constexpr std::uint32_t kDoubleValue = 4;
constexpr std::uint32_t kArrayValue = 5;

void write_scalar(ProtoWriter& w, const std::string& v) { w.string_field(kStringValue, v); }
void write_scalar(ProtoWriter& w, bool v) { w.varint_field(kBoolValue, v ? 1 : 0); }
void write_scalar(ProtoWriter& w, std::int64_t v) {
  w.varint_field(kIntValue, static_cast<std::uint64_t>(v));
}
void write_scalar(ProtoWriter& w, double v) { w.double_field(kDoubleValue, v); }

// Writes the fields of an AnyValue (the caller opened the message).
void write_any_value_body(ProtoWriter& w, const AttributeValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                      std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          write_scalar(w, v);
        } else {
          const std::size_t array = w.begin_message(kArrayValue);
          for (const auto& element : v) {
            // std::vector<bool> yields proxies; the cast picks the right overload.
            const std::size_t any = w.begin_message(1);
            write_scalar(w, static_cast<typename T::value_type>(element));
            w.end_message(any);
          }
          w.end_message(array);
        }
      },
      value);
}

void write_attributes(ProtoWriter& w, std::uint32_t field, const AttributeList& attrs) {
  for (const auto& attribute : attrs) {
    const std::size_t kv = w.begin_message(field);
    if (!attribute.key.empty()) w.string_field(1, attribute.key);
    const std::size_t any = w.begin_message(2);
    write_any_value_body(w, attribute.value);
    w.end_message(any);
    w.end_message(kv);
  }
}

void write_span(ProtoWriter& w, const SpanData& span) {
  w.bytes_field(1, id_bytes(span.trace_id));
  const auto id = span_id_bytes(span.span_id);
  w.bytes_field(2, {id.data(), id.size()});
  if (!span.trace_state.empty()) w.string_field(3, span.trace_state);
  if (span.parent_span_id != 0) {
    const auto parent = span_id_bytes(span.parent_span_id);
    w.bytes_field(4, {parent.data(), parent.size()});
  }
  if (!span.name.empty()) w.string_field(5, span.name);
  if (span.kind != SpanKind::kUnspecified) w.varint_field(6, static_cast<std::uint64_t>(span.kind));
  if (span.start_time_unix_nano != 0) w.fixed64_field(7, span.start_time_unix_nano);
  if (span.end_time_unix_nano != 0) w.fixed64_field(8, span.end_time_unix_nano);
  write_attributes(w, 9, span.attributes);
  for (const auto& event : span.events) {
    const std::size_t e = w.begin_message(11);
    if (event.time_unix_nano != 0) w.fixed64_field(1, event.time_unix_nano);
    if (!event.name.empty()) w.string_field(2, event.name);
    write_attributes(w, 3, event.attributes);
    w.end_message(e);
  }
  // Status is always present (as otel-python writes it), so proto and JSON agree on presence.
  const std::size_t status = w.begin_message(15);
  if (!span.status_message.empty()) w.string_field(2, span.status_message);
  if (span.status_code != StatusCode::kUnset) {
    w.varint_field(3, static_cast<std::uint64_t>(span.status_code));
  }
  w.end_message(status);
  if (span.flags != 0) w.fixed32_field(16, span.flags);
}

}  // namespace

std::string encode_otlp_proto(std::span<const SpanData> spans, const Resource& resource,
                              const Scope& scope) {
  std::string out;
  encode_otlp_proto(spans, resource, scope, out);
  return out;
}

void encode_otlp_proto(std::span<const SpanData> spans, const Resource& resource,
                       const Scope& scope, std::string& out) {
  {
    ProtoWriter w(out);
    w.ensure(8 * kFieldBound + attributes_bound(resource.attributes) + string_bound(scope.name) +
             string_bound(scope.version) + spans.size() * 320);
    const std::size_t resource_spans = w.begin_message(1);
    {
      const std::size_t r = w.begin_message(1);
      write_attributes(w, 1, resource.attributes);
      w.end_message(r);
    }
    const std::size_t scope_spans = w.begin_message(2);
    {
      const std::size_t s = w.begin_message(1);
      if (!scope.name.empty()) w.string_field(1, scope.name);
      if (!scope.version.empty()) w.string_field(2, scope.version);
      w.end_message(s);
    }
    for (const auto& span : spans) {
      w.ensure(2 * kFieldBound + span_bound(span));
      const std::size_t s = w.begin_message(2);
      write_span(w, span);
      w.end_message(s);
    }
    w.end_message(scope_spans);
    w.end_message(resource_spans);
  }  // the writer trims `out` to what was written
}

}  // namespace chaostracing
