// SPDX-License-Identifier: Apache-2.0
// The span model: SpanData is one plain value type that processors, encoders and exporters
// consume, with OTLP's field meanings (https://opentelemetry.io/docs/specs/otlp/).
// Values are freely copied and moved; nothing here is synchronised, so a SpanData is owned by
// one thread at a time. Nothing throws except std::bad_alloc.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
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

struct Event {
  std::string name;
  std::uint64_t time_unix_nano = 0;
  std::vector<Attribute> attributes;

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

// The attribute with `key`, else a new one (holding an empty string) appended for it.
inline Attribute& attribute_slot(std::vector<Attribute>& attributes, AttributeKey key) {
  // Linear search: spans carry a handful of attributes, where this beats any map.
  for (Attribute& a : attributes) {
    if (a.key == key) return a;
  }
  Attribute& added = attributes.emplace_back();
  added.key = std::move(key);
  return added;
}

// OTel semantics: an existing key is replaced in place (keeping its position), else appended.
// `value` is anything an AttributeValue is made from; it is assigned into the attribute's own
// variant rather than moved through temporaries (this runs for every attribute of every span).
template <typename Value>
void set_attribute(std::vector<Attribute>& attributes, AttributeKey key, Value&& value) {
  attribute_slot(attributes, std::move(key)).value = std::forward<Value>(value);
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
  std::vector<Attribute> attributes;
  std::vector<Event> events;
  StatusCode status_code = StatusCode::kUnset;
  std::string status_message;

  template <typename Value>
  void set_attribute(AttributeKey key, Value&& value) {
    chaostracing::set_attribute(attributes, std::move(key), std::forward<Value>(value));
  }

  // Makes this span equal to SpanData{} but keeps the storage of its strings (up to
  // kKeptBytes each) and of its attribute and event lists (up to kKeptElements), so that a
  // span recycled for the next one costs no allocation to fill. The attributes' and events'
  // own storage is freed.
  void clear() noexcept;
  static constexpr std::size_t kKeptBytes = 256;
  static constexpr std::size_t kKeptElements = 16;

  bool operator==(const SpanData&) const = default;
  // Member by member: the batch queue exchanges spans with its slots, and std::swap's three
  // moves of every member cost more than this.
  friend void swap(SpanData& a, SpanData& b) noexcept;
};

struct Resource {
  std::vector<Attribute> attributes;

  bool operator==(const Resource&) const = default;
};

// The instrumentation scope that produced the spans.
struct Scope {
  std::string name;
  std::string version;

  bool operator==(const Scope&) const = default;
};

}  // namespace chaostracing
