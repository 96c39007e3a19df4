// SPDX-License-Identifier: Apache-2.0
// SlotRing: the batch queue's storage, a circular buffer of slots that grows up to its limit
// and never shrinks. std::deque allocates a block every few elements; this allocates only
// while growing. Values are exchanged with the slots rather than moved through them: a
// producer's buffer gets back the storage of one the export thread has finished with, so that
// it can fill its next one without allocating. Not synchronised.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace chaostracing::detail {

template <typename Slot>
class SlotRing {
 public:
  explicit SlotRing(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const Slot& front() const noexcept { return slots_[head_]; }
  // How many slots it has made so far (for tests).
  std::size_t slot_count() const noexcept { return slots_.size(); }

  // Appends `value`, which receives the slot's previous content: what a pop_into() left there
  // (or Slot{}). Needs size() < limit. Throws std::bad_alloc, when growing, before anything
  // changed.
  void push(Slot& value) {
    using std::swap;
    if (size_ == slots_.size()) grow();
    swap(slots_[wrap(head_ + size_)], value);
    ++size_;
  }

  // Takes the oldest value into `out`, whose content — cleared, with storage to reuse — stays
  // in the slot for a later push. Needs !empty().
  void pop_into(Slot& out) noexcept {
    using std::swap;
    swap(slots_[head_], out);
    head_ = wrap(head_ + 1);
    --size_;
  }

 private:
  std::size_t wrap(std::size_t i) const noexcept {
    return i >= slots_.size() ? i - slots_.size() : i;
  }

  // Adds slots: one at the end while the ring has not wrapped around (the vector's own
  // growth moves each slot once per doubling); else as many as it holds, opened between the
  // newest value and the oldest, so that slots are again moved only once per doubling.
  void grow() {
    const std::size_t target = std::min(limit_, std::max<std::size_t>(16, 2 * slots_.size()));
    if (slots_.size() == slots_.capacity()) slots_.reserve(target);
    if (head_ == 0) {
      slots_.emplace_back();
      return;
    }
    const std::size_t added = target - slots_.size();
    slots_.insert(slots_.begin() + static_cast<std::ptrdiff_t>(head_), added, Slot{});
    head_ += added;
  }

  std::size_t limit_;
  std::vector<Slot> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace chaostracing::detail
