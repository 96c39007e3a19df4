// SPDX-License-Identifier: Apache-2.0
// Hand-written Thrift writers (compact: apache/thrift doc/specs/thrift-compact-protocol.md;
// binary: doc/specs/thrift-binary-protocol.md) for the few jaeger.thrift structs we send.
// Spans are first mapped to a small Jaeger model, then written field by field in field-id
// order; optional fields that are empty are left out, as generated Thrift code does.
#include "chaostracing/encode/jaeger_thrift.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "detail/json.hpp"

namespace chaostracing {
namespace {

// ---------------------------------------------------------------- Jaeger model --

// jaeger.thrift TagType.
enum class TagType : std::int32_t { kString = 0, kDouble = 1, kBool = 2, kLong = 3 };

struct Tag {
  std::string key;
  TagType type = TagType::kString;
  std::string str;
  double dbl = 0;
  bool boolean = false;
  std::int64_t lng = 0;
};

struct Log {
  std::int64_t timestamp_us = 0;
  std::vector<Tag> fields;
};

struct JSpan {
  std::int64_t trace_id_low = 0;
  std::int64_t trace_id_high = 0;
  std::int64_t span_id = 0;
  std::int64_t parent_span_id = 0;
  std::string operation_name;
  std::int32_t flags = 0;
  std::int64_t start_time_us = 0;
  std::int64_t duration_us = 0;
  std::vector<Tag> tags;
  std::vector<Log> logs;
};

struct Process {
  std::string service_name;
  std::vector<Tag> tags;
};

Tag string_tag(std::string key, std::string_view value) {
  Tag tag;
  tag.key = std::move(key);
  tag.str = detail::utf8_repaired(value);
  return tag;
}

Tag to_tag(const Attribute& attribute) {
  Tag tag;
  tag.key = detail::utf8_repaired(attribute.key);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          tag.type = TagType::kBool;
          tag.boolean = v;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          tag.type = TagType::kLong;
          tag.lng = v;
        } else if constexpr (std::is_same_v<T, double>) {
          tag.type = TagType::kDouble;
          tag.dbl = v;
        } else {
          // Strings as they are, arrays as a JSON list (Jaeger tags have no array type).
          tag.str = detail::utf8_repaired(detail::attribute_to_string(attribute.value));
        }
      },
      attribute.value);
  return tag;
}

// OTel semantics for the tags we add: replace an attribute of the same key in place.
void set_tag(std::vector<Tag>& tags, Tag tag) {
  for (auto& existing : tags) {
    if (existing.key == tag.key) {
      existing = std::move(tag);
      return;
    }
  }
  tags.push_back(std::move(tag));
}

// Big-endian bytes read as an unsigned integer, then reinterpreted as signed (the mapping's
// rule for trace id halves).
std::int64_t be_i64(const std::uint8_t* bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | bytes[i];
  return static_cast<std::int64_t>(v);
}

std::int64_t to_us(std::uint64_t ns) { return static_cast<std::int64_t>(ns / 1000); }

std::string_view kind_name(SpanKind kind) {
  switch (kind) {
    case SpanKind::kServer:
      return "server";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
    default:
      return {};  // internal and unspecified spans get no span.kind tag
  }
}

JSpan to_jaeger(const SpanData& span, const Scope& scope) {
  JSpan j;
  j.trace_id_high = be_i64(span.trace_id.data());
  j.trace_id_low = be_i64(span.trace_id.data() + 8);
  j.span_id = static_cast<std::int64_t>(span.span_id);
  j.parent_span_id = static_cast<std::int64_t>(span.parent_span_id);
  j.operation_name = detail::utf8_repaired(span.name);
  j.flags = static_cast<std::int32_t>(span.flags & 0xff);
  j.start_time_us = to_us(span.start_time_unix_nano);
  // Both ends truncated to µs, so start + duration is exactly the end's µs (a duration
  // truncated on its own could land one µs short of it).
  const std::uint64_t end = std::max(span.end_time_unix_nano, span.start_time_unix_nano);
  j.duration_us = to_us(end) - j.start_time_us;

  j.tags.reserve(span.attributes.size() + 6);
  for (const auto& attribute : span.attributes) set_tag(j.tags, to_tag(attribute));
  if (!scope.name.empty()) set_tag(j.tags, string_tag("otel.scope.name", scope.name));
  if (!scope.version.empty()) set_tag(j.tags, string_tag("otel.scope.version", scope.version));
  if (const auto kind = kind_name(span.kind); !kind.empty()) {
    set_tag(j.tags, string_tag("span.kind", kind));
  }
  if (span.status_code == StatusCode::kOk) {
    set_tag(j.tags, string_tag("otel.status_code", "OK"));
  } else if (span.status_code == StatusCode::kError) {
    set_tag(j.tags, string_tag("otel.status_code", "ERROR"));
    if (!span.status_message.empty()) {
      set_tag(j.tags, string_tag("otel.status_description", span.status_message));
    }
    Tag error;
    error.key = "error";
    error.type = TagType::kBool;
    error.boolean = true;
    set_tag(j.tags, std::move(error));
  }

  j.logs.reserve(span.events.size());
  for (const auto& event : span.events) {
    Log log;
    log.timestamp_us = to_us(event.time_unix_nano);
    log.fields.reserve(event.attributes.size() + 1);
    log.fields.push_back(string_tag("event", event.name));
    for (const auto& attribute : event.attributes) log.fields.push_back(to_tag(attribute));
    j.logs.push_back(std::move(log));
  }
  return j;
}

Process to_process(const Resource& resource) {
  Process process;
  for (const auto& attribute : resource.attributes) {
    if (attribute.key == "service.name") {
      if (const auto* name = std::get_if<std::string>(&attribute.value)) {
        process.service_name = detail::utf8_repaired(*name);
        continue;
      }
    }
    set_tag(process.tags, to_tag(attribute));
  }
  // The SDK default (https://opentelemetry.io/docs/specs/otel/resource/sdk/); Jaeger
  // requires a service name.
  if (process.service_name.empty()) process.service_name = "unknown_service";
  return process;
}

// ------------------------------------------------------------------- writers --

// Thrift compact protocol. Field ids are written as deltas from the previous field of the
// same struct, so each struct keeps its own "last id" (a stack across nesting).
class CompactWriter {
 public:
  explicit CompactWriter(std::string& out) : out_(out) {}

  void message_begin_oneway(std::string_view name, std::uint32_t seq_id) {
    out_.push_back(static_cast<char>(0x82));          // protocol id
    out_.push_back(static_cast<char>((4 << 5) | 1));  // ONEWAY, version 1
    varint(seq_id);
    varint(name.size());
    out_.append(name);
  }

  void struct_begin() {
    last_ids_.push_back(last_id_);
    last_id_ = 0;
  }
  void struct_end() {
    out_.push_back('\0');  // STOP
    last_id_ = last_ids_.back();
    last_ids_.pop_back();
  }

  void field_i32(std::int16_t id, std::int32_t v) {
    header(id, 5);
    varint(zigzag(v));
  }
  void field_i64(std::int16_t id, std::int64_t v) {
    header(id, 6);
    varint(zigzag(v));
  }
  void field_double(std::int16_t id, double v) {
    header(id, 7);
    const auto bits = std::bit_cast<std::uint64_t>(v);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(bits >> (8 * i)));
  }
  void field_string(std::int16_t id, std::string_view s) {
    header(id, 8);
    varint(s.size());
    out_.append(s);
  }
  // Compact booleans live in the field header: 1 true, 2 false.
  void field_bool(std::int16_t id, bool v) { header(id, v ? 1 : 2); }
  // The header of a struct field; the struct itself follows (struct_begin ... struct_end).
  void field_struct(std::int16_t id) { header(id, 12); }
  void field_list(std::int16_t id) { header(id, 9); }
  void field_struct_list_begin(std::int16_t id, std::size_t size) {
    field_list(id);
    list_header(size);
  }
  // A list<struct> header.
  void list_header(std::size_t size) {
    constexpr unsigned kStruct = 12;
    if (size < 15) {
      out_.push_back(static_cast<char>((size << 4) | kStruct));
    } else {
      out_.push_back(static_cast<char>(0xf0 | kStruct));
      varint(size);
    }
  }

  static std::size_t list_header_size(std::size_t size) {
    if (size < 15) return 1;
    std::size_t n = 2;
    for (std::size_t v = size; v >= 0x80; v >>= 7) ++n;
    return n;
  }

 private:
  static std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
  }
  static std::uint32_t zigzag(std::int32_t v) {
    return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
  }

  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }

  void header(std::int16_t id, unsigned type) {
    const int delta = id - last_id_;
    if (delta > 0 && delta <= 15) {
      out_.push_back(static_cast<char>((delta << 4) | type));
    } else {
      out_.push_back(static_cast<char>(type));
      varint(zigzag(static_cast<std::int32_t>(id)));
    }
    last_id_ = id;
  }

  std::string& out_;
  std::int16_t last_id_ = 0;
  std::vector<std::int16_t> last_ids_;
};

// Thrift binary protocol: type byte + big-endian i16 id per field, big-endian numbers.
class BinaryWriter {
 public:
  explicit BinaryWriter(std::string& out) : out_(out) {}

  void struct_begin() {}
  void struct_end() { out_.push_back('\0'); }

  void field_i32(std::int16_t id, std::int32_t v) {
    header(id, 8);
    be(static_cast<std::uint32_t>(v), 4);
  }
  void field_i64(std::int16_t id, std::int64_t v) {
    header(id, 10);
    be(static_cast<std::uint64_t>(v), 8);
  }
  void field_double(std::int16_t id, double v) {
    header(id, 4);
    be(std::bit_cast<std::uint64_t>(v), 8);
  }
  void field_string(std::int16_t id, std::string_view s) {
    header(id, 11);
    be(static_cast<std::uint32_t>(s.size()), 4);
    out_.append(s);
  }
  void field_bool(std::int16_t id, bool v) {
    header(id, 2);
    out_.push_back(v ? '\1' : '\0');
  }
  void field_struct(std::int16_t id) { header(id, 12); }
  void field_struct_list_begin(std::int16_t id, std::size_t size) {
    header(id, 15);
    out_.push_back(12);  // element type STRUCT
    be(static_cast<std::uint32_t>(size), 4);
  }

 private:
  void be(std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void header(std::int16_t id, char type) {
    out_.push_back(type);
    be(static_cast<std::uint16_t>(id), 2);
  }

  std::string& out_;
};

// ------------------------------------------------------------------ encoding --

constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();

template <typename W>
void write_tag(W& w, const Tag& tag, std::size_t max_value_bytes) {
  w.struct_begin();
  w.field_string(1, tag.key);
  w.field_i32(2, static_cast<std::int32_t>(tag.type));
  switch (tag.type) {
    case TagType::kString:
      w.field_string(3, detail::utf8_prefix(tag.str, max_value_bytes));
      break;
    case TagType::kDouble:
      w.field_double(4, tag.dbl);
      break;
    case TagType::kBool:
      w.field_bool(5, tag.boolean);
      break;
    case TagType::kLong:
      w.field_i64(6, tag.lng);
      break;
  }
  w.struct_end();
}

template <typename W>
void write_tags(W& w, std::int16_t id, const std::vector<Tag>& tags, std::size_t max_value_bytes) {
  w.field_struct_list_begin(id, tags.size());
  for (const auto& tag : tags) write_tag(w, tag, max_value_bytes);
}

// Span fields 1-11 in order; references (6) are left out (parentSpanId says CHILD_OF and we
// have no links), and so are empty tag and log lists.
template <typename W>
void write_span(W& w, const JSpan& span, std::size_t max_value_bytes) {
  w.struct_begin();
  w.field_i64(1, span.trace_id_low);
  w.field_i64(2, span.trace_id_high);
  w.field_i64(3, span.span_id);
  w.field_i64(4, span.parent_span_id);
  w.field_string(5, span.operation_name);
  w.field_i32(7, span.flags);
  w.field_i64(8, span.start_time_us);
  w.field_i64(9, span.duration_us);
  if (!span.tags.empty()) write_tags(w, 10, span.tags, max_value_bytes);
  if (!span.logs.empty()) {
    w.field_struct_list_begin(11, span.logs.size());
    for (const auto& log : span.logs) {
      w.struct_begin();
      w.field_i64(1, log.timestamp_us);
      write_tags(w, 2, log.fields, max_value_bytes);
      w.struct_end();
    }
  }
  w.struct_end();
}

template <typename W>
void write_process(W& w, const Process& process) {
  w.struct_begin();
  w.field_string(1, process.service_name);
  if (!process.tags.empty()) write_tags(w, 2, process.tags, kNoLimit);
  w.struct_end();
}

std::string compact_span(const JSpan& span, std::size_t max_value_bytes) {
  std::string out;
  CompactWriter w(out);
  write_span(w, span, max_value_bytes);
  return out;
}

std::size_t longest_value(const JSpan& span) {
  std::size_t longest = 0;
  for (const auto& tag : span.tags) longest = std::max(longest, tag.str.size());
  for (const auto& log : span.logs) {
    for (const auto& field : log.fields) longest = std::max(longest, field.str.size());
  }
  return longest;
}

// The largest cap on string values that makes the span fit `budget` bytes (binary search
// over the cap; each probe re-encodes the span), or nothing if even 0 does not.
std::optional<std::string> truncated_to_fit(const JSpan& span, std::size_t budget) {
  std::string best = compact_span(span, 0);
  if (best.size() > budget) return std::nullopt;
  std::size_t lo = 0;  // fits
  std::size_t hi = longest_value(span);
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo + 1) / 2;
    std::string candidate = compact_span(span, mid);
    if (candidate.size() <= budget) {
      lo = mid;
      best = std::move(candidate);
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

}  // namespace

JaegerDatagrams encode_jaeger_agent_datagrams(std::span<const SpanData> spans,
                                              const Resource& resource, const Scope& scope,
                                              std::size_t max_datagram_bytes) {
  JaegerDatagrams result;
  if (spans.empty()) return result;

  // Every datagram is: prefix, a list header, the spans, two STOPs (Batch and the args).
  std::string prefix;
  {
    CompactWriter w(prefix);
    w.message_begin_oneway("emitBatch", 0);
    w.struct_begin();   // emitBatch_args
    w.field_struct(1);  // 1: Batch batch
    w.struct_begin();   // Batch
    w.field_struct(1);  // 1: Process process
    write_process(w, to_process(resource));
    w.field_list(2);  // 2: list<Span> spans; its header depends on the count
  }
  constexpr std::size_t kSuffixBytes = 2;

  const auto datagram_size = [&](std::size_t count, std::size_t spans_bytes) {
    return prefix.size() + CompactWriter::list_header_size(count) + spans_bytes + kSuffixBytes;
  };

  std::vector<std::string> group;
  std::size_t group_bytes = 0;
  const auto flush = [&] {
    if (group.empty()) return;
    std::string datagram;
    datagram.reserve(datagram_size(group.size(), group_bytes));
    datagram += prefix;
    CompactWriter w(datagram);
    w.list_header(group.size());
    for (const auto& s : group) datagram += s;
    datagram.append(kSuffixBytes, '\0');
    result.datagrams.push_back(std::move(datagram));
    group.clear();
    group_bytes = 0;
  };

  for (const auto& span : spans) {
    const JSpan jspan = to_jaeger(span, scope);
    std::string bytes = compact_span(jspan, kNoLimit);
    const std::size_t budget =
        max_datagram_bytes > datagram_size(1, 0) ? max_datagram_bytes - datagram_size(1, 0) : 0;
    if (bytes.size() > budget) {
      auto shortened = truncated_to_fit(jspan, budget);
      if (!shortened) {
        ++result.oversized_spans;
        continue;
      }
      bytes = std::move(*shortened);
      ++result.truncated_spans;
    }
    if (!group.empty() &&
        datagram_size(group.size() + 1, group_bytes + bytes.size()) > max_datagram_bytes) {
      flush();
    }
    group_bytes += bytes.size();
    group.push_back(std::move(bytes));
  }
  flush();
  return result;
}

std::string encode_jaeger_batch_binary(std::span<const SpanData> spans, const Resource& resource,
                                       const Scope& scope) {
  std::string out;
  out.reserve(256 + spans.size() * 256);
  BinaryWriter w(out);
  w.struct_begin();  // Batch
  w.field_struct(1);
  write_process(w, to_process(resource));
  w.field_struct_list_begin(2, spans.size());
  for (const auto& span : spans) write_span(w, to_jaeger(span, scope), kNoLimit);
  w.struct_end();
  return out;
}

}  // namespace chaostracing
