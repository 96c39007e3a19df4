// SPDX-License-Identifier: Apache-2.0
// Spool: a durable on-disk queue of batches that could not be delivered, replayed later.
// One private directory (0700, files 0600) of append-only segment files, one per writer and
// destination; each record is framed with its length and a CRC32, written whole and fsync'd
// (at once, or with others in one sync()), so a torn write (crash, full disk) only ever loses
// the records not yet synced. Replay hands records oldest first to a callback and removes
// each only once it was delivered (or rejected for good): delivery is at-least-once. flock()
// keeps two replays apart and keeps a replay off segments a live process is still writing.
// Thread-safe; append() and replay() do not block each other. Only the constructor throws
// (std::system_error for a directory that cannot be created or is not private to this user);
// failures are false plus last_error().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chaostracing {

struct SpoolRecord {
  // Who it was for: the exporter's describe(), e.g. "OTLP/HTTP http://127.0.0.1:4318/v1/traces".
  // Never headers or credentials: replay applies the configuration current at replay time.
  std::string destination;
  std::uint32_t span_count = 0;
  std::uint64_t created_unix_nano = 0;
  // One OTLP ExportTraceServiceRequest in protobuf wire format (encode_otlp_proto()).
  std::string payload;

  bool operator==(const SpoolRecord&) const = default;
};

// The on-disk framing, exposed for the reader, the tests and the fuzzer.
//   segment: "CTSPOOL1" | committed offset (u64 LE) | CRC32 of those 8 bytes (u32 LE) | 0 (u32)
//   record:  "CTR1" | payload length (u32 LE) | CRC32 of [length ‖ payload] (u32 LE) | payload
//   payload: version 1 (u8) | destination length (u16 LE) | destination | span count (u32 LE)
//            | created, unix ns (u64 LE) | OTLP protobuf bytes
inline constexpr std::size_t kSpoolHeaderBytes = 24;
inline constexpr std::size_t kSpoolRecordOverhead = 12;
inline constexpr std::size_t kSpoolMaxRecordBytes = 64u << 20;

std::string encode_spool_header(std::uint64_t committed_offset);
// The committed offset, or nullopt when `bytes` does not start with a valid header.
std::optional<std::uint64_t> decode_spool_header(std::string_view bytes) noexcept;
// Throws std::length_error when the record would exceed kSpoolMaxRecordBytes.
std::string encode_spool_record(const SpoolRecord& record);

// encode_spool_record() in place, for a payload too large to copy around: `out` is replaced
// with the record's framing and fields, the caller appends the OTLP bytes to it, and
// finish_spool_record() completes the framing. Both throw std::length_error as
// encode_spool_record() does.
void start_spool_record(std::string& out, std::string_view destination, std::uint32_t span_count,
                        std::uint64_t created_unix_nano);
void finish_spool_record(std::string& out);

struct SpoolRecordAt {
  std::size_t offset = 0;  // of its "CTR1"
  std::size_t end = 0;     // one past its last byte
  SpoolRecord record;
};

struct DecodedSpoolRecords {
  std::vector<SpoolRecordAt> records;
  // Bytes that were not part of a valid record: a torn tail, or damage skipped over (the
  // reader then looks for the next "CTR1" whose CRC matches).
  std::size_t skipped_bytes = 0;
};

// Decodes the records in bytes[from, end). Never throws except bad_alloc.
DecodedSpoolRecords decode_spool_records(std::string_view bytes, std::size_t from = 0);

struct SpoolOptions {
  std::filesystem::path directory;
  // All segments together; an append that would pass it fails ("spool full").
  std::uint64_t max_bytes = 512ull << 20;
  // A writer starts a new segment past this size.
  std::uint64_t max_segment_bytes = 4ull << 20;
};

struct SpoolStats {
  std::uint64_t records = 0;
  std::uint64_t spans = 0;
  std::uint64_t bytes = 0;  // of pending records
  std::uint64_t segments = 0;
};

// When append() makes a record durable.
enum class SpoolSync {
  kNow,    // before it returns (one fdatasync per record)
  kLater,  // at the next sync(), or when its segment is closed: one fdatasync for many records
};

enum class DeliveryOutcome {
  kDelivered,   // gone from the spool
  kRejected,    // the destination will never take it: gone from the spool too
  kRetryLater,  // stays; the replay stops here
};

struct ReplayResult {
  std::uint64_t records_delivered = 0;
  std::uint64_t spans_delivered = 0;
  std::uint64_t records_rejected = 0;
  std::uint64_t spans_rejected = 0;
  bool stopped = false;  // a delivery answered kRetryLater
  bool busy = false;     // another replay holds the lock; nothing was done
};

class Spool {
 public:
  explicit Spool(SpoolOptions options);
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  // Closes (and so unlocks) this writer's segments: they become replayable.
  ~Spool();

  bool append(const SpoolRecord& record, SpoolSync when = SpoolSync::kNow) noexcept;
  // Appends a record made by start_spool_record() and finish_spool_record() for `destination`.
  bool append_encoded(std::string_view destination, std::string_view record_bytes,
                      SpoolSync when = SpoolSync::kNow) noexcept;
  // Makes every record appended with SpoolSync::kLater durable. False when one of them may not
  // be (an fdatasync failed since the last sync(): see last_error()).
  bool sync() noexcept;

  // Delivers the pending records for `destination` ("" = every destination) oldest first,
  // at most max_records of them. Segments locked by a live writer are skipped.
  ReplayResult replay(std::string_view destination,
                      const std::function<DeliveryOutcome(const SpoolRecord&)>& deliver,
                      std::size_t max_records = SIZE_MAX) noexcept;

  // Closes the segments this object is writing (the next append starts a new one), so that a
  // replay — this process's own included — may take what they hold.
  void seal() noexcept;

  // What is pending for `destination` ("" = all), this process's own segments included.
  SpoolStats stats(std::string_view destination = {}) const noexcept;
  std::vector<SpoolRecord> pending(std::string_view destination = {}) const;

  std::string last_error() const;
  const std::filesystem::path& directory() const noexcept { return options_.directory; }

 private:
  struct Writer {
    int fd = -1;
    std::filesystem::path path;
    std::uint64_t size = 0;
    bool unsynced = false;  // holds records appended with SpoolSync::kLater, not yet synced
  };

  bool open_writer(const std::string& destination, Writer& writer);
  void close_writer(Writer& writer) noexcept;
  bool sync_writer(Writer& writer) noexcept;
  void set_error(std::string message) const noexcept;
  std::uint64_t disk_bytes() const noexcept;
  bool has_room(std::size_t bytes);

  SpoolOptions options_;
  std::mutex write_mu_;
  std::map<std::string, Writer, std::less<>> writers_;  // by destination
  std::uint64_t sequence_ = 0;
  // What the segments took on disk when last counted, plus what this object wrote since: the
  // directory is counted again only when that says full, or when the count is old (other
  // processes write and replay segments too).
  std::uint64_t counted_bytes_ = 0;
  std::chrono::steady_clock::time_point counted_at_{};
  bool sync_failed_ = false;  // an fdatasync of kLater records failed since the last sync()
  std::mutex replay_mu_;
  mutable std::mutex error_mu_;
  mutable std::string last_error_;
};

// FNV-1a 64 of the destination, as 16 hex digits: the segment file name prefix.
std::string spool_destination_key(std::string_view destination);

}  // namespace chaostracing
