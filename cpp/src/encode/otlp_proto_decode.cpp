// SPDX-License-Identifier: Apache-2.0
// A protobuf wire reader for the messages encode_otlp_proto() writes (field numbers as in
// opentelemetry-proto trace/v1/trace.proto and common/v1/common.proto). Every length is
// checked against what is left before use, so a lying length fails the decode rather than
// reading past the end.
#include "chaostracing/encode/otlp_proto_decode.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

namespace chaostracing {
namespace {

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool done() const { return pos_ == data_.size(); }

  bool varint(std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const auto byte = static_cast<std::uint8_t>(data_[pos_++]);
      out |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  bool tag(std::uint32_t& field, std::uint32_t& type) {
    std::uint64_t v = 0;
    if (!varint(v) || (v >> 3) == 0 || (v >> 3) > 0x1fffffff) return false;
    field = static_cast<std::uint32_t>(v >> 3);
    type = static_cast<std::uint32_t>(v & 7);
    return true;
  }

  bool fixed(std::size_t width, std::uint64_t& out) {
    if (data_.size() - pos_ < width) return false;
    out = 0;
    for (std::size_t i = 0; i < width; ++i) {
      out |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(data_[pos_ + i])) << (8 * i);
    }
    pos_ += width;
    return true;
  }

  bool bytes(std::string_view& out) {
    std::uint64_t length = 0;
    if (!varint(length) || length > data_.size() - pos_) return false;
    out = data_.substr(pos_, static_cast<std::size_t>(length));
    pos_ += static_cast<std::size_t>(length);
    return true;
  }

  bool skip(std::uint32_t type) {
    std::uint64_t ignored = 0;
    std::string_view ignored_bytes;
    switch (type) {
      case kVarint:
        return varint(ignored);
      case kFixed64:
        return fixed(8, ignored);
      case kLengthDelimited:
        return bytes(ignored_bytes);
      case kFixed32:
        return fixed(4, ignored);
      default:
        return false;  // groups (3, 4) are not used by OTLP
    }
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

// Calls on_field(reader, field, type) for each field of `message`; on_field must consume the
// value (reading or skipping it) and return false for malformed input, which ends the decode.
template <typename OnField>
bool for_each_field(std::string_view message, OnField on_field) {
  Reader r(message);
  while (!r.done()) {
    std::uint32_t field = 0;
    std::uint32_t type = 0;
    if (!r.tag(field, type)) return false;
    if (!on_field(r, field, type)) return false;
  }
  return true;
}

bool read_string(Reader& r, std::uint32_t type, std::string& out) {
  std::string_view v;
  if (type != kLengthDelimited || !r.bytes(v)) return false;
  out.assign(v);
  return true;
}

// The subset of AnyValue the span model holds.
struct Scalar {
  enum Kind { kNone, kString, kBool, kInt, kDouble } kind = kNone;
  std::string s;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
};

bool read_scalar(std::string_view message, Scalar& out) {
  return for_each_field(message, [&](Reader& r, std::uint32_t field, std::uint32_t type) {
    std::uint64_t v = 0;
    if (field == 1 && type == kLengthDelimited) {
      out.kind = Scalar::kString;
      return read_string(r, type, out.s);
    }
    if (field == 2 && type == kVarint) {
      out.kind = Scalar::kBool;
      if (!r.varint(v)) return false;
      out.b = v != 0;
      return true;
    }
    if (field == 3 && type == kVarint) {
      out.kind = Scalar::kInt;
      if (!r.varint(v)) return false;
      out.i = static_cast<std::int64_t>(v);
      return true;
    }
    if (field == 4 && type == kFixed64) {
      out.kind = Scalar::kDouble;
      if (!r.fixed(8, v)) return false;
      out.d = std::bit_cast<double>(v);
      return true;
    }
    return r.skip(type);
  });
}

// An AnyValue: a scalar, or an array of scalars of one type. nullopt value = not representable.
bool read_any_value(std::string_view message, std::optional<AttributeValue>& out) {
  std::optional<std::string_view> array;
  Scalar scalar;
  const bool ok = for_each_field(message, [&](Reader& r, std::uint32_t field, std::uint32_t type) {
    if (field == 5 && type == kLengthDelimited) {
      std::string_view a;
      if (!r.bytes(a)) return false;
      array = a;
      return true;
    }
    return r.skip(type);
  });
  if (!ok) return false;
  if (!array) {
    if (!read_scalar(message, scalar)) return false;
    switch (scalar.kind) {
      case Scalar::kString:
        out = std::move(scalar.s);
        break;
      case Scalar::kBool:
        out = scalar.b;
        break;
      case Scalar::kInt:
        out = scalar.i;
        break;
      case Scalar::kDouble:
        out = scalar.d;
        break;
      case Scalar::kNone:
        out.reset();
        break;
    }
    return true;
  }
  std::vector<Scalar> elements;
  const bool array_ok =
      for_each_field(*array, [&](Reader& r, std::uint32_t field, std::uint32_t type) {
        if (field != 1 || type != kLengthDelimited) return r.skip(type);
        std::string_view element;
        if (!r.bytes(element)) return false;
        Scalar s;
        if (!read_scalar(element, s)) return false;
        elements.push_back(std::move(s));
        return true;
      });
  if (!array_ok) return false;
  // The first element decides the type (an empty array is a string array, as encoded);
  // elements of any other type are dropped.
  const Scalar::Kind kind = elements.empty() ? Scalar::kString : elements.front().kind;
  auto collect = [&](auto member) {
    std::vector<std::decay_t<decltype(Scalar{}.*member)>> values;
    for (auto& e : elements) {
      if (e.kind == kind) values.push_back(std::move(e.*member));
    }
    return values;
  };
  switch (kind) {
    case Scalar::kString:
      out = collect(&Scalar::s);
      break;
    case Scalar::kBool:
      out = collect(&Scalar::b);
      break;
    case Scalar::kInt:
      out = collect(&Scalar::i);
      break;
    case Scalar::kDouble:
      out = collect(&Scalar::d);
      break;
    case Scalar::kNone:
      out.reset();
      break;
  }
  return true;
}

bool read_key_value(std::string_view message, AttributeList& attributes) {
  std::string key;
  std::optional<AttributeValue> value;
  const bool ok = for_each_field(message, [&](Reader& r, std::uint32_t field, std::uint32_t type) {
    if (field == 1 && type == kLengthDelimited) return read_string(r, type, key);
    if (field == 2 && type == kLengthDelimited) {
      std::string_view any;
      return r.bytes(any) && read_any_value(any, value);
    }
    return r.skip(type);
  });
  if (!ok) return false;
  if (value) set_attribute(attributes, std::move(key), std::move(*value));
  return true;
}

bool read_span_id(Reader& r, std::uint32_t type, SpanId& out) {
  std::string_view v;
  if (type != kLengthDelimited || !r.bytes(v)) return false;
  if (v.empty()) {
    out = 0;
    return true;
  }
  if (v.size() != 8) return false;
  out = 0;
  for (char c : v) out = (out << 8) | static_cast<std::uint8_t>(c);
  return true;
}

bool read_event(std::string_view message, Event& event) {
  return for_each_field(message, [&](Reader& r, std::uint32_t field, std::uint32_t type) {
    if (field == 1 && type == kFixed64) return r.fixed(8, event.time_unix_nano);
    if (field == 2 && type == kLengthDelimited) return read_string(r, type, event.name);
    if (field == 3 && type == kLengthDelimited) {
      std::string_view kv;
      return r.bytes(kv) && read_key_value(kv, event.attributes);
    }
    return r.skip(type);
  });
}

bool read_status(std::string_view message, SpanData& span) {
  return for_each_field(message, [&](Reader& r, std::uint32_t field, std::uint32_t type) {
    if (field == 2 && type == kLengthDelimited) return read_string(r, type, span.status_message);
    if (field == 3 && type == kVarint) {
      std::uint64_t code = 0;
      if (!r.varint(code)) return false;
      span.status_code = code <= 2 ? static_cast<StatusCode>(code) : StatusCode::kUnset;
      return true;
    }
    return r.skip(type);
  });
}

bool read_span(std::string_view message, SpanData& span) {
  span.flags = 0;  // absent on the wire means 0
  span.kind = SpanKind::kUnspecified;
  return for_each_field(message, [&](Reader& r, std::uint32_t field, std::uint32_t type) {
    std::string_view v;
    std::uint64_t n = 0;
    switch (field) {
      case 1:
        if (type != kLengthDelimited || !r.bytes(v) || v.size() != span.trace_id.size()) {
          return false;
        }
        std::memcpy(span.trace_id.data(), v.data(), v.size());
        return true;
      case 2:
        return read_span_id(r, type, span.span_id);
      case 3:
        return type == kLengthDelimited ? read_string(r, type, span.trace_state) : r.skip(type);
      case 4:
        return read_span_id(r, type, span.parent_span_id);
      case 5:
        return type == kLengthDelimited ? read_string(r, type, span.name) : r.skip(type);
      case 6:
        if (type != kVarint) return r.skip(type);
        if (!r.varint(n)) return false;
        span.kind = n <= 5 ? static_cast<SpanKind>(n) : SpanKind::kUnspecified;
        return true;
      case 7:
        return type == kFixed64 ? r.fixed(8, span.start_time_unix_nano) : r.skip(type);
      case 8:
        return type == kFixed64 ? r.fixed(8, span.end_time_unix_nano) : r.skip(type);
      case 9:
        if (type != kLengthDelimited) return r.skip(type);
        return r.bytes(v) && read_key_value(v, span.attributes);
      case 11: {
        if (type != kLengthDelimited) return r.skip(type);
        Event event;
        if (!r.bytes(v) || !read_event(v, event)) return false;
        span.events.push_back(std::move(event));
        return true;
      }
      case 15:
        if (type != kLengthDelimited) return r.skip(type);
        return r.bytes(v) && read_status(v, span);
      case 16:
        if (type != kFixed32) return r.skip(type);
        if (!r.fixed(4, n)) return false;
        span.flags = static_cast<std::uint32_t>(n);
        return true;
      default:
        return r.skip(type);
    }
  });
}

bool read_scope_spans(std::string_view message, DecodedBatch& batch) {
  return for_each_field(message, [&](Reader& r, std::uint32_t field, std::uint32_t type) {
    std::string_view v;
    if (field == 1 && type == kLengthDelimited) {
      if (!r.bytes(v)) return false;
      return for_each_field(v, [&](Reader& s, std::uint32_t f, std::uint32_t t) {
        if (f == 1 && t == kLengthDelimited) return read_string(s, t, batch.scope.name);
        if (f == 2 && t == kLengthDelimited) return read_string(s, t, batch.scope.version);
        return s.skip(t);
      });
    }
    if (field == 2 && type == kLengthDelimited) {
      SpanData span;
      if (!r.bytes(v) || !read_span(v, span)) return false;
      batch.spans.push_back(std::move(span));
      return true;
    }
    return r.skip(type);
  });
}

bool read_resource_spans(std::string_view message, std::vector<DecodedBatch>& out) {
  Resource resource;
  std::vector<std::string_view> scopes;
  const bool ok = for_each_field(message, [&](Reader& r, std::uint32_t field, std::uint32_t type) {
    std::string_view v;
    if (field == 1 && type == kLengthDelimited) {
      if (!r.bytes(v)) return false;
      return for_each_field(v, [&](Reader& s, std::uint32_t f, std::uint32_t t) {
        std::string_view kv;
        if (f == 1 && t == kLengthDelimited) {
          return s.bytes(kv) && read_key_value(kv, resource.attributes);
        }
        return s.skip(t);
      });
    }
    if (field == 2 && type == kLengthDelimited) {
      if (!r.bytes(v)) return false;
      scopes.push_back(v);
      return true;
    }
    return r.skip(type);
  });
  if (!ok) return false;
  for (std::string_view scope : scopes) {
    DecodedBatch batch;
    batch.resource = resource;
    if (!read_scope_spans(scope, batch)) return false;
    out.push_back(std::move(batch));
  }
  return true;
}

}  // namespace

std::optional<std::vector<DecodedBatch>> decode_otlp_proto(std::string_view bytes) {
  std::vector<DecodedBatch> batches;
  const bool ok = for_each_field(bytes, [&](Reader& r, std::uint32_t field, std::uint32_t type) {
    if (field == 1 && type == kLengthDelimited) {
      std::string_view v;
      return r.bytes(v) && read_resource_spans(v, batches);
    }
    return r.skip(type);
  });
  if (!ok) return std::nullopt;
  return batches;
}

}  // namespace chaostracing
