// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/file_exporter.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "chaostracing/encode/otlp_json.hpp"
#include "detail/posix_io.hpp"

namespace chaostracing {

void WrittenSpans::add(std::span<const SpanData> spans, const Resource& resource,
                       const Scope& scope, std::size_t bytes) noexcept {
  std::lock_guard lock(mu_);
  if (!complete_) return;
  bytes_ += bytes;
  try {
    if (bytes_ <= max_bytes_) {
      batches_.push_back({{spans.begin(), spans.end()}, resource, scope});
      return;
    }
  } catch (const std::bad_alloc&) {
    // Marked incomplete below: the report then reads the file.
  }
  complete_ = false;
  batches_ = {};
}

std::optional<std::vector<ExportedBatch>> WrittenSpans::take() {
  std::lock_guard lock(mu_);
  if (!complete_) return std::nullopt;
  bytes_ = 0;
  return std::exchange(batches_, {});
}

FileExporter::FileExporter(std::string path, bool truncate, std::shared_ptr<WrittenSpans> written)
    : path_(std::move(path)), truncate_(truncate), written_(std::move(written)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
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
  if (!empty_if_asked()) return ExportResult::kFailure;
  try {
    std::string line = encode_otlp_json(spans, resource, scope);
    line.push_back('\n');
    // One write(2) per line on an O_APPEND descriptor keeps lines whole even with other
    // writers; a short write (disk full) is retried for the rest.
    if (!detail::write_all(fd_, line)) {
      set_last_error(detail::errno_text("write", path_, errno));
      return ExportResult::kFailure;
    }
    if (written_) written_->add(spans, resource, scope, line.size());
    return ExportResult::kSuccess;
  } catch (const std::exception& e) {
    set_last_error("write " + path_ + ": " + e.what());
    return ExportResult::kFailure;
  }
}

void FileExporter::start() noexcept {
  if (fd_ >= 0) empty_if_asked();
}

bool FileExporter::empty_if_asked() noexcept {
  if (!std::exchange(truncate_, false)) return true;
  if (::ftruncate(fd_, 0) == 0) return true;
  set_last_error(detail::errno_text("truncate", path_, errno));
  return false;
}

void FileExporter::shutdown() noexcept {
  if (fd_ >= 0) {
    empty_if_asked();
    ::close(fd_);
    fd_ = -1;
  }
}

std::string FileExporter::describe() const { return "file " + path_; }

}  // namespace chaostracing
