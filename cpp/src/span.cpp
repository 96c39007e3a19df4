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

}  // namespace chaostracing
