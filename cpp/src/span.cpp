// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/span.hpp"

#include <algorithm>

namespace chaostracing {

void set_attribute(std::vector<Attribute>& attributes, AttributeKey key, AttributeValue value) {
  // Linear search: spans carry a handful of attributes, where this beats any map.
  auto it = std::find_if(attributes.begin(), attributes.end(),
                         [&](const Attribute& a) { return a.key == key; });
  if (it != attributes.end()) {
    it->value = std::move(value);
    return;
  }
  attributes.push_back(Attribute{std::move(key), std::move(value)});
}

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
  empty_keeping_storage(attributes, kKeptElements);
  empty_keeping_storage(events, kKeptElements);
}

}  // namespace chaostracing
