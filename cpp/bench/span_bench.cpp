// SPDX-License-Identifier: Apache-2.0
// The hot path a hook pays (span start, 5 attributes, end into the batch queue) and the
// export thread's main cost (OTLP protobuf encoding of a full batch).
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "chaostracing/batch_processor.hpp"
#include "chaostracing/clock.hpp"
#include "chaostracing/encode/otlp_json.hpp"
#include "chaostracing/encode/otlp_proto.hpp"
#include "chaostracing/ids.hpp"

// Every heap allocation in the process, counted, to report allocations per span.
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

// noinline: GCC otherwise sees malloc paired with ::operator delete and warns.
[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace chaostracing {
namespace {

class NullExporter final : public Exporter {
 public:
  ExportResult export_batch(std::span<const SpanData>, const Resource&, const Scope&,
                            std::chrono::steady_clock::time_point) noexcept override {
    return ExportResult::kSuccess;
  }
  std::string describe() const override { return "null"; }
};

// The attribute keys, as text (interned at each use: AttributeKey's per-thread cache of
// recent keys) or as keys made once, the way the bindings hold them (one AttributeKey per
// Python str) and C++ code would keep constants.
using KeyTexts = std::array<const char*, 5>;
using Keys = std::array<AttributeKey, 5>;
constexpr KeyTexts kKeyTexts = {"chaostoolkit.activity.name", "chaostoolkit.activity.type",
                                "chaostoolkit.activity.background", "chaostoolkit.activity.timeout",
                                "chaostoolkit.activity.index"};
const Keys& keys_made_once() {
  static const Keys keys = {AttributeKey(kKeyTexts[0]), AttributeKey(kKeyTexts[1]),
                            AttributeKey(kKeyTexts[2]), AttributeKey(kKeyTexts[3]),
                            AttributeKey(kKeyTexts[4])};
  return keys;
}

// Fills a cleared span, as a caller that reuses its SpanData does (see on_end() and
// AttributeList): the values are copied into the storage of the previous span's values.
template <typename KeyArray>
void fill_span(SpanData& span, const TraceId& trace_id, const KeyArray& keys) {
  span.trace_id = trace_id;
  span.span_id = new_span_id();
  span.name = "activity: probe-http-endpoint";
  span.start_time_unix_nano = now_unix_nano();
  span.set_attribute(keys[0], "probe-http-endpoint");
  span.set_attribute(keys[1], "probe");
  span.set_attribute(keys[2], false);
  span.set_attribute(keys[3], 3.5);
  span.set_attribute(keys[4], std::int64_t{7});
  span.end_time_unix_nano = now_unix_nano();
}

SpanData make_span(const TraceId& trace_id) {
  SpanData span;
  fill_span(span, trace_id, kKeyTexts);
  return span;
}

template <typename KeyArray>
void BM_SpanStartFiveAttributesEnd(benchmark::State& state, const KeyArray& keys) {
  BatchProcessor processor(std::make_unique<NullExporter>(), Resource{}, Scope{"bench", ""},
                           BatchOptions{.max_queue_size = 1 << 16,
                                        .max_export_batch_size = 512,
                                        .schedule_delay = std::chrono::milliseconds(5)});
  const TraceId trace_id = new_trace_id();
  const std::uint64_t allocations = g_allocations.load();
  SpanData span;
  for (auto _ : state) {
    fill_span(span, trace_id, keys);
    processor.on_end(std::move(span));  // leaves `span` cleared, with storage to reuse
  }
  // Includes the export thread's own allocations while the loop ran.
  state.counters["allocs_per_span"] = static_cast<double>(g_allocations.load() - allocations) /
                                      static_cast<double>(state.iterations());
  processor.shutdown(std::chrono::seconds(10));
  state.counters["dropped"] = static_cast<double>(processor.stats().dropped);
}
BENCHMARK_CAPTURE(BM_SpanStartFiveAttributesEnd, key_texts, kKeyTexts);
BENCHMARK_CAPTURE(BM_SpanStartFiveAttributesEnd, keys_made_once, keys_made_once());

std::vector<SpanData> make_batch(std::size_t n) {
  const TraceId trace_id = new_trace_id();
  std::vector<SpanData> spans;
  for (std::size_t i = 0; i < n; ++i) spans.push_back(make_span(trace_id));
  return spans;
}

void BM_EncodeOtlpProto(benchmark::State& state) {
  const auto spans = make_batch(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string out = encode_otlp_proto(spans, Resource{}, Scope{"bench", ""});
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EncodeOtlpProto)->Arg(1)->Arg(512);

void BM_EncodeOtlpJson(benchmark::State& state) {
  const auto spans = make_batch(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    const std::string out = encode_otlp_json(spans, Resource{}, Scope{"bench", ""});
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EncodeOtlpJson)->Arg(512);

}  // namespace
}  // namespace chaostracing
