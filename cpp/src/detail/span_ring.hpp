// SPDX-License-Identifier: Apache-2.0
// SpanRing: the batch queue's storage, a circular buffer of SpanData slots that grows up to
// its limit and never shrinks. std::deque
// allocates a block every two spans; this allocates only while growing. Spans are exchanged with
// the slots rather than moved through them: a producer's span object gets back the storage of a
// span the export thread has finished with, so that it can fill its next span without allocating.
// Not synchronised.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "chaostracing/span.hpp"

namespace chaostracing::detail {

class SpanRing {
 public:
  explicit SpanRing(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const SpanData& front() const noexcept { return slots_[head_]; }
  // How many slots it has made so far (for tests).
  std::size_t slot_count() const noexcept { return slots_.size(); }

  // Appends `span`, which receives the slot's previous content: a cleared span (equal to
  // SpanData{}), often with storage to reuse. Needs size() < limit. Throws std::bad_alloc,
  // when growing, before anything changed.
  void push(SpanData& span) {
    if (size_ == slots_.size()) grow();
    swap(slots_[wrap(head_ + size_)], span);
    ++size_;
  }

  // Takes the oldest span into `out`, whose content — which must be cleared — stays in the
  // slot for a later push to reuse. Needs !empty().
  void pop_into(SpanData& out) noexcept {
    swap(slots_[head_], out);
    head_ = wrap(head_ + 1);
    --size_;
  }

 private:
  std::size_t wrap(std::size_t i) const noexcept {
    return i >= slots_.size() ? i - slots_.size() : i;
  }

  // Adds slots: one at the end while the ring has not wrapped around (the vector's own
  // growth moves each span once per doubling); else as many as it holds, opened between the
  // newest span and the oldest, so that spans are again moved only once per doubling.
  void grow() {
    const std::size_t target = std::min(limit_, std::max<std::size_t>(16, 2 * slots_.size()));
    if (slots_.size() == slots_.capacity()) slots_.reserve(target);
    if (head_ == 0) {
      slots_.emplace_back();
      return;
    }
    const std::size_t added = target - slots_.size();
    slots_.insert(slots_.begin() + static_cast<std::ptrdiff_t>(head_), added, SpanData{});
    head_ += added;
  }

  std::size_t limit_;
  std::vector<SpanData> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace chaostracing::detail
