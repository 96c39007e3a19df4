// SPDX-License-Identifier: Apache-2.0
// Layout, in host byte order (the bytes never leave the process):
//   trace_id[16] span_id:u64 parent_span_id:u64 start:u64 end:u64 flags:u32 kind:u8 status:u8
//   name trace_state status_message          (each a string: size, bytes)
//   attributes                               (count, then each attribute)
//   events                                   (count, then each: name, time:u64, attributes)
// Sizes and counts are LEB128 varints (most are under 128: one byte).
// An attribute is its key — the interned text's address as a u64, or 0 and the key as a
// string — then its value: the AttributeValue index as a u8 and the value (a string; u8 for a
// bool; 8 bytes for an int or a double; a count and the elements for a list).
#include "detail/packed_span.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace chaostracing::detail {
namespace {

std::uint32_t count_of(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("span field too large to queue");
  }
  return static_cast<std::uint32_t>(n);
}

// The format is described once, in write_span(), over either of these sinks.
struct Measure {
  std::size_t size = 0;
  template <typename T>
  void put(const T&) noexcept {
    size += sizeof(T);
  }
  void put_count(std::size_t n) {
    std::uint32_t v = count_of(n);
    do {
      ++size;
      v >>= 7;
    } while (v != 0);
  }
  void put_bytes(std::string_view bytes) {
    put_count(bytes.size());
    size += bytes.size();
  }
};

struct Write {
  char* p;
  template <typename T>
  void put(const T& v) noexcept {
    std::memcpy(p, &v, sizeof(T));
    p += sizeof(T);
  }
  void put_count(std::size_t n) noexcept {  // Measure checked that it fits in 32 bits
    auto v = static_cast<std::uint32_t>(n);
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
  }
  void put_bytes(std::string_view bytes) noexcept {
    put_count(bytes.size());
    if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
    p += bytes.size();
  }
};

template <typename Sink>
void write_value(const AttributeValue& value, Sink& out) {
  out.put(static_cast<std::uint8_t>(value.index()));
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          out.put_bytes(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out.put(static_cast<std::uint8_t>(v ? 1 : 0));
        } else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          out.put(v);
        } else {
          out.put_count(v.size());
          for (const auto& element : v) {
            if constexpr (std::is_same_v<T, std::vector<std::string>>) {
              out.put_bytes(element);
            } else if constexpr (std::is_same_v<T, std::vector<bool>>) {
              out.put(static_cast<std::uint8_t>(element ? 1 : 0));
            } else {
              out.put(element);
            }
          }
        }
      },
      value);
}

template <typename Sink>
void write_attributes(const AttributeList& attributes, Sink& out) {
  out.put_count(attributes.size());
  for (const Attribute& a : attributes) {
    const std::string* interned = a.key.interned_text();
    out.put(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(interned)));
    if (interned == nullptr) out.put_bytes(a.key.view());
    write_value(a.value, out);
  }
}

template <typename Sink>
void write_span(const SpanData& s, Sink& out) {
  out.put(s.trace_id);
  out.put(s.span_id);
  out.put(s.parent_span_id);
  out.put(s.start_time_unix_nano);
  out.put(s.end_time_unix_nano);
  out.put(s.flags);
  out.put(static_cast<std::uint8_t>(s.kind));
  out.put(static_cast<std::uint8_t>(s.status_code));
  out.put_bytes(s.name);
  out.put_bytes(s.trace_state);
  out.put_bytes(s.status_message);
  write_attributes(s.attributes, out);
  out.put_count(s.events.size());
  for (const Event& e : s.events) {
    out.put_bytes(e.name);
    out.put(e.time_unix_nano);
    write_attributes(e.attributes, out);
  }
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool done() const noexcept { return p_ == end_; }

  template <typename T>
  bool get(T& v) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < sizeof(T)) return false;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return true;
  }

  bool get_count(std::uint32_t& n) noexcept {
    n = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (p_ == end_) return false;
      const auto byte = static_cast<std::uint8_t>(*p_++);
      n |= static_cast<std::uint32_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  bool get_bytes(std::string_view& bytes) noexcept {
    std::uint32_t n = 0;
    if (!get_count(n) || static_cast<std::size_t>(end_ - p_) < n) return false;
    bytes = std::string_view(p_, n);
    p_ += n;
    return true;
  }

  bool get_string(std::string& s) {
    std::string_view bytes;
    if (!get_bytes(bytes)) return false;
    s.assign(bytes);
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

template <typename T>
bool read_list(Reader& in, std::vector<T>& out) {
  std::uint32_t n = 0;
  if (!in.get_count(n)) return false;
  if constexpr (std::is_same_v<T, std::string>) {
    out.resize(n);  // the strings left in place keep their storage
    for (std::string& element : out) {
      if (!in.get_string(element)) return false;
    }
  } else {
    out.clear();
    for (std::uint32_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, bool>) {
        std::uint8_t b = 0;
        if (!in.get(b)) return false;
        out.push_back(b != 0);
      } else {
        T v{};
        if (!in.get(v)) return false;
        out.push_back(v);
      }
    }
  }
  return true;
}

bool read_value(Reader& in, AttributeValue& value) {
  std::uint8_t index = 0;
  if (!in.get(index)) return false;
  switch (index) {
    case 0:
      return in.get_string(held_as<std::string>(value));
    case 1: {
      std::uint8_t b = 0;
      if (!in.get(b)) return false;
      value = b != 0;
      return true;
    }
    case 2:
      return in.get(held_as<std::int64_t>(value));
    case 3:
      return in.get(held_as<double>(value));
    case 4:
      return read_list(in, held_as<std::vector<std::string>>(value));
    case 5:
      return read_list(in, held_as<std::vector<bool>>(value));
    case 6:
      return read_list(in, held_as<std::vector<std::int64_t>>(value));
    case 7:
      return read_list(in, held_as<std::vector<double>>(value));
    default:
      return false;
  }
}

bool read_attributes(Reader& in, AttributeList& out) {
  std::uint32_t n = 0;
  if (!in.get_count(n)) return false;
  out.clear_keeping_all();  // the attributes it held are appended again, values' storage too
  for (std::uint32_t i = 0; i < n; ++i) {
    Attribute& a = out.append();
    std::uint64_t interned = 0;
    if (!in.get(interned)) return false;
    if (interned != 0) {
      a.key = AttributeKey::from_interned(
          reinterpret_cast<const std::string*>(static_cast<std::uintptr_t>(interned)));
    } else {
      std::string_view key;
      if (!in.get_bytes(key)) return false;
      a.key = AttributeKey(key);
    }
    if (!read_value(in, a.value)) return false;
  }
  return true;
}

}  // namespace

std::size_t packed_size(const SpanData& span) noexcept {
  Measure measure;
  try {
    write_span(span, measure);
  } catch (const std::length_error&) {
    return 0;
  }
  return measure.size;
}

void pack_span(const SpanData& span, std::string& out) {
  Measure measure;
  write_span(span, measure);
  out.resize(measure.size);
  Write write{out.data()};
  write_span(span, write);
}

bool unpack_span(std::string_view packed, SpanData& out) {
  Reader in(packed);
  std::uint8_t kind = 0;
  std::uint8_t status = 0;
  if (!in.get(out.trace_id) || !in.get(out.span_id) || !in.get(out.parent_span_id) ||
      !in.get(out.start_time_unix_nano) || !in.get(out.end_time_unix_nano) || !in.get(out.flags) ||
      !in.get(kind) || !in.get(status) || kind > static_cast<std::uint8_t>(SpanKind::kConsumer) ||
      status > static_cast<std::uint8_t>(StatusCode::kError)) {
    return false;
  }
  out.kind = static_cast<SpanKind>(kind);
  out.status_code = static_cast<StatusCode>(status);
  if (!in.get_string(out.name) || !in.get_string(out.trace_state) ||
      !in.get_string(out.status_message) || !read_attributes(in, out.attributes)) {
    return false;
  }
  std::uint32_t events = 0;
  if (!in.get_count(events)) return false;
  out.events.resize(events);
  for (Event& e : out.events) {
    if (!in.get_string(e.name) || !in.get(e.time_unix_nano) || !read_attributes(in, e.attributes)) {
      return false;
    }
  }
  return in.done();
}

}  // namespace chaostracing::detail
