// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/span.hpp"

#include <utility>

namespace chaostracing {

namespace {

// Keeps a container's storage for reuse unless it grew past `limit` (a one-off huge span must
// not pin its memory for the rest of the run).
template <typename Container>
void empty_keeping_storage(Container& c, std::size_t limit) noexcept {
  c.clear();
  if (c.capacity() > limit) Container().swap(c);
}

}  // namespace

void SpanData::clear() noexcept {
  trace_id = {};
  span_id = 0;
  parent_span_id = 0;
  flags = kTraceFlagSampled;
  kind = SpanKind::kInternal;
  start_time_unix_nano = 0;
  end_time_unix_nano = 0;
  status_code = StatusCode::kUnset;
  empty_keeping_storage(name, kKeptBytes);
  empty_keeping_storage(trace_state, kKeptBytes);
  empty_keeping_storage(status_message, kKeptBytes);
  attributes.clear_keeping(kKeptElements, kKeptBytes);
  empty_keeping_storage(events, kKeptElements);
}

void AttributeList::clear_keeping(std::size_t max_kept, std::size_t max_bytes) noexcept {
  size_ = 0;
  if (items_.capacity() > max_kept) {
    std::vector<Attribute>().swap(items_);
    return;
  }
  for (Attribute& a : items_) {
    auto* text = std::get_if<std::string>(&a.value);
    if (text != nullptr) {
      if (text->capacity() > max_bytes) std::string().swap(*text);
    } else if (a.value.index() > 3) {  // a list: not worth keeping
      a.value.emplace<std::string>();
    }
  }
}

// swap() names every member: a new one must be added there too.
static_assert(sizeof(SpanData) == 224, "SpanData changed: update swap()");

void swap(SpanData& a, SpanData& b) noexcept {
  using std::swap;
  const TraceId trace_id = a.trace_id;  // std::swap would exchange the 16 bytes one by one
  a.trace_id = b.trace_id;
  b.trace_id = trace_id;
  swap(a.span_id, b.span_id);
  swap(a.parent_span_id, b.parent_span_id);
  a.trace_state.swap(b.trace_state);
  swap(a.flags, b.flags);
  a.name.swap(b.name);
  swap(a.kind, b.kind);
  swap(a.start_time_unix_nano, b.start_time_unix_nano);
  swap(a.end_time_unix_nano, b.end_time_unix_nano);
  a.attributes.swap(b.attributes);
  a.events.swap(b.events);
  swap(a.status_code, b.status_code);
  a.status_message.swap(b.status_message);
}

}  // namespace chaostracing
