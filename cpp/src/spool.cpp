// SPDX-License-Identifier: Apache-2.0
// Crash safety, step by step:
// - A segment is created under a temporary name, locked (flock LOCK_EX), given its header and
//   fsync'd, and only then renamed to *.seg: a replay never sees a half-made segment.
// - A record is written whole, then fdatasync'd (with SpoolSync::kLater, together with the
//   records written before the next sync() or before its segment is closed). If the write or
//   its sync fails, the file is truncated back to its previous size; if even that fails, the
//   writer is abandoned (the next append opens a new segment) and readers skip the torn bytes
//   by length and CRC.
// - Replay moves the segment's committed offset forward (header rewrite + fdatasync) after
//   each delivered record, and deletes the segment once everything in it was delivered. A
//   crash between delivery and commit re-delivers that record: at-least-once.
#include "chaostracing/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "detail/posix_io.hpp"

namespace chaostracing {
namespace {

using detail::errno_text;
using detail::write_all;

constexpr std::string_view kSegmentMagic = "CTSPOOL1";
constexpr std::string_view kRecordMagic = "CTR1";
constexpr std::string_view kSegmentSuffix = ".seg";
constexpr std::uint8_t kPayloadVersion = 1;
constexpr std::size_t kPayloadFixedBytes = 1 + 2 + 4 + 8;

void put_u16(std::string& out, std::uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
std::uint64_t get_le(std::string_view bytes, std::size_t pos, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(bytes[pos + i])) << (8 * i);
  }
  return v;
}

std::uint32_t crc(std::string_view a, std::string_view b = {}) {
  uLong c = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; records are far below 4 GiB (kSpoolMaxRecordBytes).
  // A null buffer makes crc32() return its initial value, so empty parts are not passed.
  if (!a.empty())
    c = crc32(c, reinterpret_cast<const Bytef*>(a.data()), static_cast<uInt>(a.size()));
  if (!b.empty())
    c = crc32(c, reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(b.size()));
  return static_cast<std::uint32_t>(c);
}

std::optional<SpoolRecord> decode_payload(std::string_view p) {
  if (p.size() < kPayloadFixedBytes || static_cast<std::uint8_t>(p[0]) != kPayloadVersion) {
    return std::nullopt;
  }
  const std::size_t dest_len = get_le(p, 1, 2);
  if (p.size() < kPayloadFixedBytes + dest_len) return std::nullopt;
  SpoolRecord r;
  r.destination.assign(p.substr(3, dest_len));
  r.span_count = static_cast<std::uint32_t>(get_le(p, 3 + dest_len, 4));
  r.created_unix_nano = get_le(p, 7 + dest_len, 8);
  r.payload.assign(p.substr(kPayloadFixedBytes + dest_len));
  return r;
}

std::uint64_t now_unix_nano() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

bool read_file(int fd, std::string& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) break;  // shrank meanwhile
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return true;
}

void fsync_directory(const std::filesystem::path& dir) noexcept {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Creates `dir` (and its parents) and makes sure it is a directory of ours that no one else
// can read: a spool holds span data.
void ensure_private_directory(const std::filesystem::path& dir) {
  std::error_code error;
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), error);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot create the spool directory " + dir.string());
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot open the spool directory " + dir.string());
  }
  if (!S_ISDIR(st.st_mode)) {
    throw std::system_error(ENOTDIR, std::generic_category(),
                            "the spool path " + dir.string() + " is not a directory");
  }
  if (st.st_uid != ::geteuid()) {
    throw std::system_error(EPERM, std::generic_category(),
                            "the spool directory " + dir.string() + " belongs to another user");
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot make the spool directory " + dir.string() + " private");
  }
}

struct SegmentName {
  std::filesystem::path path;
  std::string key;
  std::string order;  // "<unix ns>-<pid>-<seq>", zero-padded so that it sorts by age
};

std::vector<SegmentName> list_segments(const std::filesystem::path& dir, std::string_view key) {
  std::vector<SegmentName> out;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 17 + kSegmentSuffix.size() || name[16] != '-' ||
        !name.ends_with(kSegmentSuffix)) {
      continue;
    }
    SegmentName s{entry.path(), name.substr(0, 16),
                  name.substr(17, name.size() - 17 - kSegmentSuffix.size())};
    if (!key.empty() && s.key != key) continue;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const SegmentName& a, const SegmentName& b) {
    return a.order != b.order ? a.order < b.order : a.path < b.path;
  });
  return out;
}

// The committed offset of a segment's bytes; a damaged header means "from the start".
std::size_t committed_offset(std::string_view bytes) {
  const auto committed = decode_spool_header(bytes);
  if (!committed || *committed < kSpoolHeaderBytes || *committed > bytes.size()) {
    return std::min(bytes.size(), kSpoolHeaderBytes);
  }
  return static_cast<std::size_t>(*committed);
}

}  // namespace

std::string spool_destination_key(std::string_view destination) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : destination) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xf];
  return out;
}

std::string encode_spool_header(std::uint64_t committed_offset) {
  std::string out(kSegmentMagic);
  std::string offset;
  put_u64(offset, committed_offset);
  out += offset;
  put_u32(out, crc(offset));
  put_u32(out, 0);
  return out;
}

std::optional<std::uint64_t> decode_spool_header(std::string_view bytes) noexcept {
  if (bytes.size() < kSpoolHeaderBytes || bytes.substr(0, 8) != kSegmentMagic) return std::nullopt;
  if (crc(bytes.substr(8, 8)) != get_le(bytes, 16, 4)) return std::nullopt;
  return get_le(bytes, 8, 8);
}

namespace {

std::string encode_record(const SpoolRecord& record, std::uint64_t created_unix_nano) {
  std::string out;
  out.reserve(kSpoolRecordOverhead + kPayloadFixedBytes + record.destination.size() +
              record.payload.size());
  start_spool_record(out, record.destination, record.span_count, created_unix_nano);
  out += record.payload;
  finish_spool_record(out);
  return out;
}

}  // namespace

std::string encode_spool_record(const SpoolRecord& record) {
  return encode_record(record, record.created_unix_nano);
}

void start_spool_record(std::string& out, std::string_view destination, std::uint32_t span_count,
                        std::uint64_t created_unix_nano) {
  if (destination.size() > 0xffff) throw std::length_error("spool destination too long");
  out.assign(kRecordMagic);
  out.append(8, '\0');  // length and CRC: finish_spool_record()
  out.push_back(static_cast<char>(kPayloadVersion));
  put_u16(out, static_cast<std::uint16_t>(destination.size()));
  out += destination;
  put_u32(out, span_count);
  put_u64(out, created_unix_nano);
}

void finish_spool_record(std::string& out) {
  const std::size_t payload_size = out.size() - kSpoolRecordOverhead;
  if (payload_size > kSpoolMaxRecordBytes) throw std::length_error("spool record too large");
  std::string length;
  put_u32(length, static_cast<std::uint32_t>(payload_size));
  std::string checksum;
  put_u32(checksum, crc(length, std::string_view(out).substr(kSpoolRecordOverhead)));
  out.replace(4, 4, length);
  out.replace(8, 4, checksum);
}

DecodedSpoolRecords decode_spool_records(std::string_view bytes, std::size_t from) {
  DecodedSpoolRecords out;
  std::size_t pos = std::min(from, bytes.size());
  while (pos < bytes.size()) {
    const std::size_t left = bytes.size() - pos;
    bool ok = left >= kSpoolRecordOverhead && bytes.substr(pos, 4) == kRecordMagic;
    std::size_t length = 0;
    if (ok) {
      length = get_le(bytes, pos + 4, 4);
      ok = length <= kSpoolMaxRecordBytes && length <= left - kSpoolRecordOverhead &&
           crc(bytes.substr(pos + 4, 4), bytes.substr(pos + kSpoolRecordOverhead, length)) ==
               get_le(bytes, pos + 8, 4);
    }
    std::optional<SpoolRecord> record;
    if (ok) record = decode_payload(bytes.substr(pos + kSpoolRecordOverhead, length));
    if (!record) {
      // Damage or a torn tail: resynchronise on the next magic.
      const std::size_t next = bytes.find(kRecordMagic, pos + 1);
      const std::size_t skip_to = next == std::string_view::npos ? bytes.size() : next;
      out.skipped_bytes += skip_to - pos;
      pos = skip_to;
      continue;
    }
    const std::size_t end = pos + kSpoolRecordOverhead + length;
    out.records.push_back(SpoolRecordAt{pos, end, std::move(*record)});
    pos = end;
  }
  return out;
}

Spool::Spool(SpoolOptions options) : options_(std::move(options)) {
  if (options_.directory.empty()) {
    throw std::system_error(EINVAL, std::generic_category(), "no spool directory given");
  }
  ensure_private_directory(options_.directory);
}

Spool::~Spool() {
  std::lock_guard lock(write_mu_);
  for (auto& [destination, writer] : writers_) close_writer(writer);
}

void Spool::set_error(std::string message) const noexcept {
  std::lock_guard lock(error_mu_);
  last_error_.swap(message);
}

std::string Spool::last_error() const {
  std::lock_guard lock(error_mu_);
  return last_error_;
}

void Spool::seal() noexcept {
  std::lock_guard lock(write_mu_);
  for (auto& [destination, writer] : writers_) close_writer(writer);
}

void Spool::close_writer(Writer& writer) noexcept {
  if (writer.fd >= 0) {
    sync_writer(writer);  // a replay may take the segment once it is closed
    ::close(writer.fd);   // also releases the flock
  }
  writer = Writer{};
}

bool Spool::sync_writer(Writer& writer) noexcept {
  if (!writer.unsynced) return true;
  writer.unsynced = false;
  if (::fdatasync(writer.fd) == 0) return true;
  set_error(errno_text("cannot write to spool segment", writer.path, errno));
  sync_failed_ = true;
  return false;
}

bool Spool::sync() noexcept {
  std::lock_guard lock(write_mu_);
  for (auto& [destination, writer] : writers_) {
    if (writer.fd >= 0) sync_writer(writer);
  }
  return !std::exchange(sync_failed_, false);
}

bool Spool::open_writer(const std::string& destination, Writer& writer) {
  char order[64];
  std::snprintf(order, sizeof order, "%020llu-%010ld-%06llu",
                static_cast<unsigned long long>(now_unix_nano()), static_cast<long>(::getpid()),
                static_cast<unsigned long long>(++sequence_));
  const std::string name = spool_destination_key(destination) + "-" + order;
  const auto final_path = options_.directory / (name + std::string(kSegmentSuffix));
  const auto temp_path = options_.directory / ("." + name + ".tmp");
  const int fd = ::open(temp_path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    set_error(errno_text("cannot create spool segment", temp_path, errno));
    return false;
  }
  const std::string header = encode_spool_header(kSpoolHeaderBytes);
  if (::flock(fd, LOCK_EX) != 0 || !write_all(fd, header) || ::fdatasync(fd) != 0 ||
      ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    set_error(errno_text("cannot create spool segment", final_path, errno));
    ::close(fd);
    ::unlink(temp_path.c_str());
    return false;
  }
  fsync_directory(options_.directory);
  writer = Writer{fd, final_path, header.size()};
  return true;
}

std::uint64_t Spool::disk_bytes() const noexcept {
  std::uint64_t total = 0;
  std::error_code error;
  for (const auto& segment : list_segments(options_.directory, {})) {
    const auto size = std::filesystem::file_size(segment.path, error);
    if (!error) total += size;
  }
  return total;
}

// Counting the directory lists and stats every segment: done when the running count says the
// spool is full, and at most every kRecountInterval otherwise.
bool Spool::has_room(std::size_t bytes) {
  constexpr auto kRecountInterval = std::chrono::seconds(1);
  const auto now = std::chrono::steady_clock::now();
  if (counted_at_ == std::chrono::steady_clock::time_point{} ||
      now - counted_at_ >= kRecountInterval || counted_bytes_ + bytes > options_.max_bytes) {
    counted_bytes_ = disk_bytes();
    counted_at_ = now;
  }
  return counted_bytes_ + bytes <= options_.max_bytes;
}

bool Spool::append(const SpoolRecord& record, SpoolSync when) noexcept {
  try {
    const std::uint64_t created =
        record.created_unix_nano != 0 ? record.created_unix_nano : now_unix_nano();
    return append_encoded(record.destination, encode_record(record, created), when);
  } catch (const std::exception& e) {
    set_error(std::string("cannot spool: ") + e.what());
    return false;
  }
}

bool Spool::append_encoded(std::string_view destination, std::string_view bytes,
                           SpoolSync when) noexcept {
  try {
    std::lock_guard lock(write_mu_);
    if (!has_room(bytes.size())) {
      set_error("spool " + options_.directory.string() + " is full (" +
                std::to_string(options_.max_bytes) + " bytes)");
      return false;
    }
    auto found = writers_.find(destination);
    if (found == writers_.end()) found = writers_.emplace(std::string(destination), Writer{}).first;
    Writer& writer = found->second;
    if (writer.fd >= 0 && writer.size + bytes.size() > options_.max_segment_bytes &&
        writer.size > kSpoolHeaderBytes) {
      close_writer(writer);
    }
    const bool opened = writer.fd < 0;
    if (opened && !open_writer(found->first, writer)) return false;
    if (opened) counted_bytes_ += kSpoolHeaderBytes;
    if (!write_all(writer.fd, bytes) || (when == SpoolSync::kNow && ::fdatasync(writer.fd) != 0)) {
      const int code = errno;
      set_error(errno_text("cannot write to spool segment", writer.path, code));
      // Take the torn record back off (records before it stay, synced or due to be); if that
      // fails too, readers skip it by its CRC.
      if (::ftruncate(writer.fd, static_cast<off_t>(writer.size)) != 0 ||
          (when == SpoolSync::kNow && ::fdatasync(writer.fd) != 0)) {
        close_writer(writer);
      }
      return false;
    }
    writer.size += bytes.size();
    counted_bytes_ += bytes.size();
    if (when == SpoolSync::kLater) writer.unsynced = true;
    return true;
  } catch (const std::exception& e) {
    set_error(std::string("cannot spool: ") + e.what());
    return false;
  }
}

ReplayResult Spool::replay(std::string_view destination,
                           const std::function<DeliveryOutcome(const SpoolRecord&)>& deliver,
                           std::size_t max_records) noexcept {
  ReplayResult result;
  try {
    std::lock_guard in_process(replay_mu_);
    const auto lock_path = options_.directory / "replay.lock";
    Fd lock_fd(::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
    if (lock_fd.get() < 0) {
      set_error(errno_text("cannot open", lock_path, errno));
      result.busy = true;
      return result;
    }
    if (::flock(lock_fd.get(), LOCK_EX | LOCK_NB) != 0) {
      result.busy = true;
      return result;
    }
    const std::string key =
        destination.empty() ? std::string() : spool_destination_key(destination);
    std::size_t handled = 0;
    std::string bytes;
    for (const auto& segment : list_segments(options_.directory, key)) {
      if (handled >= max_records) break;
      Fd fd(::open(segment.path.c_str(), O_RDWR | O_CLOEXEC));
      if (fd.get() < 0) continue;  // replayed and removed by someone else meanwhile
      if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // a live writer's
      // Locked: it may have been finished and unlinked between listing and locking.
      struct stat st {};
      if (::fstat(fd.get(), &st) != 0 || st.st_nlink == 0) continue;
      if (!read_file(fd.get(), bytes)) {
        set_error(errno_text("cannot read spool segment", segment.path, errno));
        continue;
      }
      if (bytes.size() < kSpoolHeaderBytes || bytes.substr(0, 8) != kSegmentMagic) {
        // Not a segment of ours at all (or a header torn at creation): leave it alone
        // unless it is empty.
        if (bytes.empty()) ::unlink(segment.path.c_str());
        continue;
      }
      const std::size_t committed = committed_offset(bytes);
      const DecodedSpoolRecords decoded = decode_spool_records(bytes, committed);
      bool finished = true;
      for (const auto& at : decoded.records) {
        if (handled >= max_records) {
          finished = false;
          break;
        }
        if (!destination.empty() && at.record.destination != destination) {
          finished = false;  // a key collision: not ours to deliver or delete
          break;
        }
        const DeliveryOutcome outcome = deliver(at.record);
        if (outcome == DeliveryOutcome::kRetryLater) {
          result.stopped = true;
          finished = false;
          break;
        }
        ++handled;
        if (outcome == DeliveryOutcome::kDelivered) {
          ++result.records_delivered;
          result.spans_delivered += at.record.span_count;
        } else {
          ++result.records_rejected;
          result.spans_rejected += at.record.span_count;
        }
        const std::string header = encode_spool_header(at.end);
        if (!write_all(fd.get(), header, 0) || ::fdatasync(fd.get()) != 0) {
          set_error(errno_text("cannot commit replay progress in", segment.path, errno));
          finished = false;
          break;
        }
      }
      if (finished) {
        ::unlink(segment.path.c_str());
        fsync_directory(options_.directory);
      }
      if (result.stopped) break;
    }
  } catch (const std::exception& e) {
    set_error(std::string("spool replay failed: ") + e.what());
  }
  return result;
}

SpoolStats Spool::stats(std::string_view destination) const noexcept {
  SpoolStats stats;
  try {
    const std::string key =
        destination.empty() ? std::string() : spool_destination_key(destination);
    std::string bytes;
    for (const auto& segment : list_segments(options_.directory, key)) {
      Fd fd(::open(segment.path.c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.get() < 0 || !read_file(fd.get(), bytes)) continue;
      const auto decoded = decode_spool_records(bytes, committed_offset(bytes));
      bool any = false;
      for (const auto& at : decoded.records) {
        if (!destination.empty() && at.record.destination != destination) continue;
        any = true;
        ++stats.records;
        stats.spans += at.record.span_count;
        stats.bytes += at.end - at.offset;
      }
      stats.segments += any ? 1 : 0;
    }
  } catch (...) {
  }
  return stats;
}

std::vector<SpoolRecord> Spool::pending(std::string_view destination) const {
  std::vector<SpoolRecord> out;
  const std::string key = destination.empty() ? std::string() : spool_destination_key(destination);
  std::string bytes;
  for (const auto& segment : list_segments(options_.directory, key)) {
    Fd fd(::open(segment.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0 || !read_file(fd.get(), bytes)) continue;
    for (auto& at : decode_spool_records(bytes, committed_offset(bytes)).records) {
      if (!destination.empty() && at.record.destination != destination) continue;
      out.push_back(std::move(at.record));
    }
  }
  return out;
}

}  // namespace chaostracing
