// SPDX-License-Identifier: Apache-2.0
// Decodes an OTLP ExportTraceServiceRequest in protobuf wire format back into spans: the
// inverse of encode_otlp_proto(), used to replay spooled batches through any exporter.
// Reads untrusted bytes (spool files): bounds-checked, no recursion past OTLP's fixed nesting,
// never throws except bad_alloc; malformed input gives nullopt. Unknown fields are skipped; values
// the span model cannot hold (kvlist, bytes, mixed arrays) are dropped. Pure and thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "chaostracing/span.hpp"

namespace chaostracing {

// One ScopeSpans with the Resource of its ResourceSpans.
struct DecodedBatch {
  Resource resource;
  Scope scope;
  std::vector<SpanData> spans;

  bool operator==(const DecodedBatch&) const = default;
};

std::optional<std::vector<DecodedBatch>> decode_otlp_proto(std::string_view bytes);

}  // namespace chaostracing
