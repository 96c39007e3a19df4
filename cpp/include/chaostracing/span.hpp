// SPDX-License-Identifier: Apache-2.0
// The span model: SpanData is one plain value type that processors, encoders and exporters
// consume, with OTLP's field meanings (https://opentelemetry.io/docs/specs/otlp/).
// Values are freely copied and moved; nothing here is synchronised, so a SpanData is owned by
// one thread at a time. Nothing throws except std::bad_alloc.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "chaostracing/attribute_key.hpp"

namespace chaostracing {

using TraceId = std::array<std::uint8_t, 16>;
// Zero means "no span" (e.g. the parent of a root span); generated ids are never zero.
using SpanId = std::uint64_t;

using AttributeValue =
    std::variant<std::string, bool, std::int64_t, double, std::vector<std::string>,
                 std::vector<bool>, std::vector<std::int64_t>, std::vector<double>>;

struct Attribute {
  AttributeKey key;
  AttributeValue value;

  bool operator==(const Attribute&) const = default;
};

// A list of attributes, in order, contiguous, that keeps the attributes it held past its end
// when cleared — keys and values, with their storage — for append() to hand out again in the
// same order: a span refilled with attributes like its previous ones allocates nothing.
// Copies and comparisons see only the attributes in the list.
class AttributeList {
 public:
  using value_type = Attribute;
  using iterator = Attribute*;
  using const_iterator = const Attribute*;

  AttributeList() = default;
  AttributeList(std::initializer_list<Attribute> attributes)
      : items_(attributes), size_(items_.size()) {}
  AttributeList(const AttributeList& other)
      : items_(other.begin(), other.end()), size_(other.size_) {}
  AttributeList& operator=(const AttributeList& other) {
    if (this != &other) {
      AttributeList copy(other);
      swap(copy);
    }
    return *this;
  }
  AttributeList(AttributeList&& other) noexcept
      : items_(std::move(other.items_)), size_(std::exchange(other.size_, 0)) {
    other.items_.clear();
  }
  AttributeList& operator=(AttributeList&& other) noexcept {
    items_ = std::move(other.items_);
    size_ = std::exchange(other.size_, 0);
    other.items_.clear();
    return *this;
  }
  ~AttributeList() = default;

  iterator begin() noexcept { return items_.data(); }
  iterator end() noexcept { return items_.data() + size_; }
  const_iterator begin() const noexcept { return items_.data(); }
  const_iterator end() const noexcept { return items_.data() + size_; }
  Attribute* data() noexcept { return items_.data(); }
  const Attribute* data() const noexcept { return items_.data(); }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  Attribute& operator[](std::size_t i) noexcept { return items_[i]; }
  const Attribute& operator[](std::size_t i) const noexcept { return items_[i]; }
  Attribute& back() noexcept { return items_[size_ - 1]; }
  const Attribute& back() const noexcept { return items_[size_ - 1]; }
  // Attributes held, in the list or kept past its end.
  std::size_t kept() const noexcept { return items_.size(); }
  std::size_t capacity() const noexcept { return items_.capacity(); }
  void reserve(std::size_t n) { items_.reserve(n); }

  // A new last attribute: the one kept at that position, if any, still holding its key and
  // value (the caller overwrites both, reusing their storage), else an empty one.
  Attribute& append() {
    if (size_ == items_.size()) items_.emplace_back();
    return items_[size_++];
  }
  void push_back(Attribute attribute) { append() = std::move(attribute); }
  // Takes the last attribute out of the list, keeping it for append().
  void pop_back() noexcept { --size_; }

  // Empties the list, keeping its attributes for append() — up to `max_kept` of them, and of
  // their values only strings of up to `max_bytes` (a huge span must not pin its memory).
  void clear_keeping(std::size_t max_kept, std::size_t max_bytes) noexcept;
  // Empties the list, keeping every attribute for append().
  void clear_keeping_all() noexcept { size_ = 0; }
  // Empties the list and frees everything.
  void clear() noexcept {
    std::vector<Attribute>().swap(items_);
    size_ = 0;
  }

  void swap(AttributeList& other) noexcept {
    items_.swap(other.items_);
    std::swap(size_, other.size_);
  }
  friend bool operator==(const AttributeList& a, const AttributeList& b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  std::vector<Attribute> items_;  // the list, then the attributes kept past its end
  std::size_t size_ = 0;
};

struct Event {
  std::string name;
  std::uint64_t time_unix_nano = 0;
  AttributeList attributes;

  bool operator==(const Event&) const = default;
};

// Values match OTLP's Span.SpanKind.
enum class SpanKind : std::uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

// Values match OTLP's Status.StatusCode.
enum class StatusCode : std::uint8_t { kUnset = 0, kOk = 1, kError = 2 };

inline constexpr std::uint32_t kTraceFlagSampled = 0x01;

// Keys are passed by reference down to the one assignment into the attribute: copying an
// interned key is copying a pointer, while each move or copy of a key passed by value costs a
// constructor and a destructor (this runs for every attribute of every span).

// A new attribute for `key`, which the list must not hold yet (AttributeList::append()), whose
// value the caller must assign.
inline Attribute& appended_attribute(AttributeList& attributes, const AttributeKey& key) {
  Attribute& added = attributes.append();
  added.key = key;
  return added;
}

// The attribute with `key`, else one appended for it, whose value the caller must assign.
inline Attribute& attribute_slot(AttributeList& attributes, const AttributeKey& key) {
  // Linear search: spans carry a handful of attributes, where this beats any map.
  for (Attribute& a : attributes) {
    if (a.key == key) return a;
  }
  return appended_attribute(attributes, key);
}

// The T that `value` holds: the one it held, with its storage, else a new empty one.
template <typename T>
T& held_as(AttributeValue& value) {
  if (auto* held = std::get_if<T>(&value)) return *held;
  return value.emplace<T>();
}

// Makes `value` the string `text`, in the storage of the string it holds, if any.
inline void assign_string(AttributeValue& value, std::string_view text) {
  held_as<std::string>(value).assign(text);
}

// OTel semantics: an existing key is replaced in place (keeping its position), else appended.
// `value` is anything an AttributeValue is made from; it is assigned into the attribute's own
// variant rather than moved through temporaries (this runs for every attribute of every span).
template <typename Value>
void set_attribute(AttributeList& attributes, const AttributeKey& key, Value&& value) {
  attribute_slot(attributes, key).value = std::forward<Value>(value);
}
// Text is copied into the attribute's own string, reusing its storage.
inline void set_attribute(AttributeList& attributes, const AttributeKey& key,
                          std::string_view text) {
  assign_string(attribute_slot(attributes, key).value, text);
}
inline void set_attribute(AttributeList& attributes, const AttributeKey& key, const char* text) {
  set_attribute(attributes, key, std::string_view(text));
}

struct SpanData {
  TraceId trace_id{};
  SpanId span_id = 0;
  SpanId parent_span_id = 0;
  std::string trace_state;
  std::uint32_t flags = kTraceFlagSampled;
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t end_time_unix_nano = 0;
  AttributeList attributes;
  std::vector<Event> events;
  StatusCode status_code = StatusCode::kUnset;
  std::string status_message;

  template <typename Value>
  void set_attribute(const AttributeKey& key, Value&& value) {
    chaostracing::set_attribute(attributes, key, std::forward<Value>(value));
  }

  // Makes this span equal to SpanData{} but keeps the storage of its strings (up to
  // kKeptBytes each), its attributes (up to kKeptElements, see AttributeList) and its event
  // list, so that a span recycled for the next one costs no allocation to fill. The events'
  // own storage is freed.
  void clear() noexcept;
  static constexpr std::size_t kKeptBytes = 256;
  static constexpr std::size_t kKeptElements = 16;

  bool operator==(const SpanData&) const = default;
};

struct Resource {
  AttributeList attributes;

  bool operator==(const Resource&) const = default;
};

// The instrumentation scope that produced the spans.
struct Scope {
  std::string name;
  std::string version;

  bool operator==(const Scope&) const = default;
};

}  // namespace chaostracing
