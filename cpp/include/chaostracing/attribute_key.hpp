// SPDX-License-Identifier: Apache-2.0
// AttributeKey: an attribute's key, interned. Spans repeat the same few keys
// ("chaostoolkit.activity.name", "url.full"...), most of them past std::string's 15-byte
// inline buffer, so an owned std::string per key costs an allocation (and a free on the export
// thread) for every attribute of every span. Interned keys are copied as a pointer and compared
// by address; the process-wide table is bounded (kMaxInterned keys, kMaxInternedBytes), and a
// key that does not fit in it is owned (on the heap, so that a key is 16 bytes either way).
// Thread-safe; nothing throws except std::bad_alloc.
#pragma once

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace chaostracing {

class AttributeKey {
 public:
  static constexpr std::size_t kMaxInterned = 4096;
  static constexpr std::size_t kMaxInternedBytes = 256 * 1024;
  // Longer keys are owned: such keys are rarely repeated.
  static constexpr std::size_t kMaxInternedKeySize = 128;

  AttributeKey() = default;
  // Inline: an interned key (nearly every key) is copied as its pointer.
  AttributeKey(const AttributeKey& other) : interned_(other.interned_) {
    if (other.owned_ != nullptr) own(*other.owned_);
  }
  AttributeKey& operator=(const AttributeKey& other) {
    if (other.owned_ == nullptr) {
      owned_.reset();
      interned_ = other.interned_;
      return *this;
    }
    return assign_owned(other);
  }
  AttributeKey(AttributeKey&&) noexcept = default;
  AttributeKey& operator=(AttributeKey&&) noexcept = default;
  ~AttributeKey() = default;
  // Implicit: a key is written as a string everywhere spans are built.
  AttributeKey(std::string_view key);  // NOLINT(google-explicit-constructor)
  AttributeKey(const char* key) : AttributeKey(std::string_view(key)) {}         // NOLINT
  AttributeKey(const std::string& key) : AttributeKey(std::string_view(key)) {}  // NOLINT

  std::string_view view() const noexcept {
    if (interned_ != nullptr) return *interned_;
    if (owned_ != nullptr) return *owned_;
    return {};
  }
  operator std::string_view() const noexcept { return view(); }  // NOLINT
  std::string str() const { return std::string(view()); }
  const char* data() const noexcept { return view().data(); }
  std::size_t size() const noexcept { return view().size(); }
  bool empty() const noexcept { return size() == 0; }
  bool interned() const noexcept { return interned_ != nullptr; }

  friend bool operator==(const AttributeKey& a, const AttributeKey& b) noexcept {
    if (a.interned_ != nullptr && b.interned_ != nullptr) return a.interned_ == b.interned_;
    return a.view() == b.view();
  }
  friend bool operator==(const AttributeKey& a, std::string_view b) noexcept {
    return a.view() == b;
  }
  friend bool operator==(const AttributeKey& a, const std::string& b) noexcept {
    return a.view() == b;
  }
  friend bool operator==(const AttributeKey& a, const char* b) noexcept {
    return a.view() == std::string_view(b);
  }
  friend std::ostream& operator<<(std::ostream& out, const AttributeKey& key) {
    return out << key.view();
  }

  // The interned text of this key, or null when the key is owned. Interned texts live as long
  // as the process: the address stands for the key (detail/packed_span.cpp writes it).
  const std::string* interned_text() const noexcept { return interned_; }
  // The key whose interned text is `text`, which must come from interned_text().
  static AttributeKey from_interned(const std::string* text) noexcept {
    AttributeKey key;
    key.interned_ = text;
    return key;
  }

  // How many keys the process-wide table holds (for tests).
  static std::size_t interned_count() noexcept;

 private:
  void own(std::string_view key);
  AttributeKey& assign_owned(const AttributeKey& other);

  const std::string* interned_ = nullptr;     // into the table, which is never freed
  std::unique_ptr<const std::string> owned_;  // when not interned (null for "")
};

}  // namespace chaostracing
