// SPDX-License-Identifier: Apache-2.0
#include "detail/posix_io.hpp"

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace chaostracing::detail {

bool write_all(int fd, std::string_view data, off_t offset) noexcept {
  while (!data.empty()) {
    const ssize_t n = offset < 0 ? ::write(fd, data.data(), data.size())
                                 : ::pwrite(fd, data.data(), data.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) {
      errno = EIO;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
    if (offset >= 0) offset += n;
  }
  return true;
}

std::string errno_text(std::string_view what, const std::filesystem::path& path, int code) {
  return std::string(what) + " " + path.string() + ": " + std::generic_category().message(code);
}

}  // namespace chaostracing::detail
