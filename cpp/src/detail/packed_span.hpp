// SPDX-License-Identifier: Apache-2.0
// A finished span as one flat byte string, the form spans wait in the batch queue: a SpanData
// spreads a span over a dozen heap blocks (name, attribute list, each long value), which cost
// memory per queued span and, handed from the caller's thread to the export thread, cache
// misses on both; packed, a span is one buffer that the queue's slots reuse from span to span.
// The format lives only inside this process (interned attribute keys are written as their
// address, since interned keys are never freed); anything kept longer is OTLP protobuf.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "chaostracing/span.hpp"

namespace chaostracing::detail {

// How many bytes pack_span() makes of `span` (0 for a span it cannot pack).
std::size_t packed_size(const SpanData& span) noexcept;

// Replaces `out` with `span` packed. Throws std::bad_alloc, or std::length_error for a string
// or list past 4 GiB elements.
void pack_span(const SpanData& span, std::string& out);

// Makes `out` the span pack_span() packed into `packed`, reusing the storage of what `out`
// held (its strings, lists, and the attributes and events it had, values included), so that
// the export thread's batch fills without allocating. False, with `out` unspecified, when
// `packed` is not such a span. Throws std::bad_alloc.
bool unpack_span(std::string_view packed, SpanData& out);

}  // namespace chaostracing::detail
