// SPDX-License-Identifier: Apache-2.0
#include "detail/gzip.hpp"

#include <zlib.h>

#include <limits>
#include <memory>

namespace chaostracing::detail {

std::optional<std::string> gzip_compress(std::string_view data) noexcept {
  // zlib's one-shot sizes are 32-bit; batches are far smaller, so refuse rather than loop.
  if (data.size() > std::numeric_limits<uInt>::max() / 2) return std::nullopt;
  try {
    z_stream stream{};
    // 16 + MAX_WBITS selects the gzip wrapper instead of zlib's.
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      return std::nullopt;
    }
    const auto end = [](z_stream* s) { deflateEnd(s); };
    std::unique_ptr<z_stream, decltype(end)> guard(&stream, end);

    std::string out;
    // deflateBound does not count the gzip header and trailer (18 bytes).
    out.resize(deflateBound(&stream, static_cast<uLong>(data.size())) + 18);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END) return std::nullopt;
    out.resize(stream.total_out);
    return out;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace chaostracing::detail
