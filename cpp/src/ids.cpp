// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/ids.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

namespace chaostracing {
namespace {

// Bumped in forked children so that each thread's generator reseeds instead of repeating
// the parent's sequence.
std::atomic<std::uint64_t> g_fork_generation{0};

void on_fork_child() noexcept { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256** (https://prng.di.unimi.it/): fast, 256-bit state, good enough for ids that
// must be unique, not secret.
class Xoshiro256 {
 public:
  std::uint64_t next() noexcept {
    const std::uint64_t generation = g_fork_generation.load(std::memory_order_relaxed);
    if (!seeded_ || generation != generation_) {
      seed();
      generation_ = generation;
    }
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  void seed() noexcept {
    static const bool registered = [] {
      return pthread_atfork(nullptr, nullptr, on_fork_child) == 0;
    }();
    (void)registered;
    std::uint64_t x = 0;
    try {
      std::random_device rd;
      x = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    } catch (...) {
      // No entropy source: fall back to time and addresses, still unique per thread.
    }
    x ^= static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    x ^= static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(this));
    x ^= std::hash<std::thread::id>{}(std::this_thread::get_id());
    for (auto& word : s_) word = splitmix64(x);
    seeded_ = true;
  }

  std::uint64_t s_[4] = {};
  std::uint64_t generation_ = 0;
  bool seeded_ = false;
};

std::uint64_t next_random() noexcept {
  thread_local Xoshiro256 generator;
  return generator.next();
}

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

TraceId new_trace_id() noexcept {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  while ((hi | lo) == 0) {
    hi = next_random();
    lo = next_random();
  }
  // Random bits in any byte order: two stores.
  TraceId id;
  std::memcpy(id.data(), &hi, 8);
  std::memcpy(id.data() + 8, &lo, 8);
  return id;
}

SpanId new_span_id() noexcept {
  SpanId id = 0;
  while (id == 0) id = next_random();
  return id;
}

bool is_valid_trace_id(const TraceId& id) noexcept {
  for (auto b : id) {
    if (b != 0) return true;
  }
  return false;
}

std::string trace_id_to_hex(const TraceId& id) {
  std::string out(32, '0');
  for (std::size_t i = 0; i < id.size(); ++i) {
    out[2 * i] = kHexDigits[id[i] >> 4];
    out[2 * i + 1] = kHexDigits[id[i] & 0x0f];
  }
  return out;
}

std::string span_id_to_hex(SpanId id) {
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kHexDigits[id & 0x0f];
    id >>= 4;
  }
  return out;
}

std::optional<TraceId> parse_trace_id_hex(std::string_view hex) noexcept {
  if (hex.size() != 32) return std::nullopt;
  TraceId id{};
  for (std::size_t i = 0; i < id.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  if (!is_valid_trace_id(id)) return std::nullopt;
  return id;
}

std::optional<SpanId> parse_span_id_hex(std::string_view hex) noexcept {
  if (hex.size() != 16) return std::nullopt;
  SpanId id = 0;
  for (char c : hex) {
    const int v = hex_value(c);
    if (v < 0) return std::nullopt;
    id = (id << 4) | static_cast<SpanId>(v);
  }
  if (id == 0) return std::nullopt;
  return id;
}

}  // namespace chaostracing
