// SPDX-License-Identifier: Apache-2.0
// Writing files with POSIX calls, as the spool, the trace file and the report do.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace chaostracing::detail {

// Writes all of `data` at `offset` (pwrite(2)), or where the descriptor is when `offset` is
// negative (write(2): at the end, for O_APPEND), retrying short writes and EINTR; false with
// errno set otherwise (EIO for a write that wrote nothing).
bool write_all(int fd, std::string_view data, off_t offset = -1) noexcept;

// "<what> <path>: <strerror(code)>".
std::string errno_text(std::string_view what, const std::filesystem::path& path, int code);

}  // namespace chaostracing::detail
