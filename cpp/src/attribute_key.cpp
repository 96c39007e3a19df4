// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/attribute_key.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <unordered_set>

namespace chaostracing {

// Every attribute of every queued span carries one.
static_assert(sizeof(AttributeKey) == 2 * sizeof(void*));

namespace {

struct Hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

struct KeyTable {
  std::mutex mu;
  // Node-based: an element's address never changes, so keys can point at it.
  std::unordered_set<std::string, Hash, std::equal_to<>> keys;
  std::size_t bytes = 0;
};

KeyTable& table() {
  // Never destroyed: spans (and threads still exporting them) may outlive static destructors.
  alignas(KeyTable) static unsigned char storage[sizeof(KeyTable)];
  static KeyTable* const instance = ::new (static_cast<void*>(storage)) KeyTable();
  return *instance;
}

// Each thread remembers the keys it met last, so that a repeated key costs a few loads and a
// memcmp instead of a full hash and the table's lock. Direct-mapped on a cheap mix of the
// key's size and its first and last bytes; a slot is only trusted after comparing the text.
class RecentKeys {
 public:
  const std::string*& slot(std::string_view key) noexcept {
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
    if (key.size() >= 8) {  // fixed-size copies compile to two loads
      std::memcpy(&head, key.data(), 8);
      std::memcpy(&tail, key.data() + key.size() - 8, 8);
    } else {
      for (char c : key) head = (head << 8) | static_cast<unsigned char>(c);
    }
    const std::uint64_t mix =
        (head ^ (tail * 0x9E3779B97F4A7C15ULL) ^ key.size()) * 0xFF51AFD7ED558CCDULL;
    return slots_[mix >> (64 - kBits)];
  }

 private:
  static constexpr int kBits = 8;
  std::array<const std::string*, std::size_t{1} << kBits> slots_{};
};

}  // namespace

AttributeKey& AttributeKey::assign_owned(const AttributeKey& other) {
  if (this != &other) *this = AttributeKey(other);  // copied first: throws leaving *this as is
  return *this;
}

void AttributeKey::own(std::string_view key) {
  if (!key.empty()) owned_ = std::make_unique<const std::string>(key);
}

AttributeKey::AttributeKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxInternedKeySize) {
    own(key);
    return;
  }
  thread_local RecentKeys recent;
  const std::string*& slot = recent.slot(key);
  if (slot != nullptr && *slot == key) {
    interned_ = slot;
    return;
  }
  KeyTable& t = table();
  std::lock_guard lock(t.mu);
  auto it = t.keys.find(key);
  if (it == t.keys.end()) {
    if (t.keys.size() >= kMaxInterned || t.bytes + key.size() > kMaxInternedBytes) {
      own(key);
      return;
    }
    it = t.keys.emplace(key).first;
    t.bytes += key.size();
  }
  interned_ = &*it;
  slot = interned_;
}

std::size_t AttributeKey::interned_count() noexcept {
  KeyTable& t = table();
  std::lock_guard lock(t.mu);
  return t.keys.size();
}

}  // namespace chaostracing
