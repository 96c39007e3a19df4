// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/file_exporter.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "chaostracing/encode/otlp_json.hpp"

namespace chaostracing {

FileExporter::FileExporter(std::string path, bool truncate) : path_(std::move(path)) {
  int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
  if (truncate) flags |= O_TRUNC;
  fd_ = ::open(path_.c_str(), flags, 0644);
  if (fd_ < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot open trace file '" + path_ + "'");
  }
}

FileExporter::~FileExporter() { FileExporter::shutdown(); }

ExportResult FileExporter::export_batch(std::span<const SpanData> spans, const Resource& resource,
                                        const Scope& scope,
                                        std::chrono::steady_clock::time_point) noexcept {
  if (fd_ < 0) {
    set_last_error("file " + path_ + " is closed");
    return ExportResult::kFailure;
  }
  try {
    std::string line = encode_otlp_json(spans, resource, scope);
    line.push_back('\n');
    // One write(2) per line on an O_APPEND descriptor keeps lines whole even with other
    // writers; a short write (disk full) is retried for the rest.
    std::size_t written = 0;
    while (written < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        set_last_error("write " + path_ + ": " + std::generic_category().message(errno));
        return ExportResult::kFailure;
      }
      written += static_cast<std::size_t>(n);
    }
    return ExportResult::kSuccess;
  } catch (const std::exception& e) {
    set_last_error("write " + path_ + ": " + e.what());
    return ExportResult::kFailure;
  }
}

void FileExporter::shutdown() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

std::string FileExporter::describe() const { return "file " + path_; }

}  // namespace chaostracing
