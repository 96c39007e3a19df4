// SPDX-License-Identifier: Apache-2.0
// Spool files (spool.cpp) and what replay does with them: the input is a segment's bytes.
// Every record the reader accepts re-encodes to exactly the bytes it came from, skipped bytes
// plus record bytes add up to the input, the payload decodes as OTLP protobuf (or is refused)
// and what decodes survives encode + decode unchanged; the header and Retry-After parsers
// never crash either.
#include <chrono>
#include <string>

#include "chaostracing/encode/otlp_proto.hpp"
#include "chaostracing/encode/otlp_proto_decode.hpp"
#include "chaostracing/retry_policy.hpp"
#include "chaostracing/spool.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaostracing;
  using namespace chaostracing::fuzz;
  const std::string_view bytes = as_text(data, size);

  (void)decode_spool_header(bytes);
  const std::size_t from = bytes.size() >= kSpoolHeaderBytes ? kSpoolHeaderBytes : 0;
  const DecodedSpoolRecords decoded = decode_spool_records(bytes, from);
  std::size_t covered = decoded.skipped_bytes;
  std::size_t previous_end = from;
  for (const auto& at : decoded.records) {
    CHAOSTRACING_FUZZ_CHECK(at.offset >= previous_end && at.end <= bytes.size());
    CHAOSTRACING_FUZZ_CHECK(encode_spool_record(at.record) ==
                            bytes.substr(at.offset, at.end - at.offset));
    covered += at.end - at.offset;
    previous_end = at.end;

    const auto batches = decode_otlp_proto(at.record.payload);
    if (!batches) continue;
    for (const auto& batch : *batches) {
      // Our encoder repairs invalid UTF-8, so compare re-encodings rather than the values.
      const std::string once = encode_otlp_proto(batch.spans, batch.resource, batch.scope);
      const auto again = decode_otlp_proto(once);
      CHAOSTRACING_FUZZ_CHECK(again.has_value() && again->size() == 1);
      const auto& b = again->front();
      CHAOSTRACING_FUZZ_CHECK(encode_otlp_proto(b.spans, b.resource, b.scope) == once);
    }
  }
  CHAOSTRACING_FUZZ_CHECK(covered == bytes.size() - from);

  // The same bytes as a whole OTLP request, and as a Retry-After value.
  (void)decode_otlp_proto(bytes);
  (void)parse_retry_after(bytes.substr(0, 64), std::chrono::system_clock::time_point{});
  return 0;
}
