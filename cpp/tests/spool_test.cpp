// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/spool.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iterator>

#include "fakes/temp_dir.hpp"

namespace chaostracing {
namespace {

using testing::TempDir;

SpoolRecord record(std::string destination, std::string payload, std::uint32_t spans = 1) {
  return SpoolRecord{.destination = std::move(destination),
                     .span_count = spans,
                     .created_unix_nano = 1,
                     .payload = std::move(payload)};
}

std::vector<std::filesystem::path> segments(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".seg") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Replays everything of `destination`; returns the payloads seen.
std::vector<std::string> replay_all(Spool& spool, std::string_view destination = {}) {
  std::vector<std::string> seen;
  spool.replay(destination, [&](const SpoolRecord& r) {
    seen.push_back(r.payload);
    return DeliveryOutcome::kDelivered;
  });
  return seen;
}

TEST(SpoolRecord, RoundTripsAndRejectsDamage) {
  const SpoolRecord r = record("OTLP/HTTP http://x", std::string("\0\x01payload", 9), 7);
  const std::string bytes = encode_spool_record(r);
  ASSERT_EQ(bytes.size(), kSpoolRecordOverhead + 1 + 2 + 18 + 4 + 8 + 9);
  auto decoded = decode_spool_records(bytes);
  ASSERT_EQ(decoded.records.size(), 1u);
  EXPECT_EQ(decoded.records[0].record, r);
  EXPECT_EQ(decoded.skipped_bytes, 0u);
  // Every truncation is a torn tail: no record, every byte skipped, no crash.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto torn = decode_spool_records(std::string_view(bytes).substr(0, n));
    EXPECT_TRUE(torn.records.empty()) << n;
    EXPECT_EQ(torn.skipped_bytes, n);
  }
  // Any flipped byte fails the CRC (or the magic).
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x20);
    EXPECT_TRUE(decode_spool_records(damaged).records.empty()) << i;
  }
}

TEST(SpoolRecord, HeaderKeepsTheCommittedOffsetUnderItsCrc) {
  const std::string header = encode_spool_header(12345);
  ASSERT_EQ(header.size(), kSpoolHeaderBytes);
  EXPECT_EQ(decode_spool_header(header), 12345u);
  std::string damaged = header;
  damaged[9] ^= 1;
  EXPECT_FALSE(decode_spool_header(damaged).has_value());
  EXPECT_FALSE(decode_spool_header(header.substr(0, 23)).has_value());
}

TEST(Spool, DirectoryIsPrivateAndSegmentsAre0600) {
  TempDir tmp;
  const auto dir = tmp.path() / "cache" / "spool";
  {
    Spool spool({.directory = dir});
    ASSERT_TRUE(spool.append(record("d", "p")));
  }
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const auto& s : segments(dir)) {
    ASSERT_EQ(::stat(s.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << s;
  }
  // A spool directory others can read is made private again.
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  Spool again({.directory = dir});
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(Spool, RefusesADirectoryOfAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the directory away";
  TempDir tmp;
  const auto dir = tmp.path() / "spool";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chown(dir.c_str(), 1, 1), 0);
  EXPECT_THROW(Spool({.directory = dir}), std::system_error);
}

TEST(Spool, ReplaysOldestFirstThenRemovesTheSegment) {
  TempDir tmp;
  {
    Spool writer({.directory = tmp.path()});
    for (const char* p : {"one", "two", "three"}) ASSERT_TRUE(writer.append(record("d", p)));
    EXPECT_EQ(writer.stats().records, 3u);
  }
  Spool spool({.directory = tmp.path()});
  EXPECT_EQ(spool.stats("d").spans, 3u);
  EXPECT_EQ(replay_all(spool, "d"), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_TRUE(segments(tmp.path()).empty());
  EXPECT_EQ(spool.stats().records, 0u);
}

TEST(Spool, ReplayKeepsOtherDestinations) {
  TempDir tmp;
  {
    Spool writer({.directory = tmp.path()});
    ASSERT_TRUE(writer.append(record("a", "for a")));
    ASSERT_TRUE(writer.append(record("b", "for b")));
  }
  Spool spool({.directory = tmp.path()});
  EXPECT_EQ(replay_all(spool, "a"), std::vector<std::string>{"for a"});
  EXPECT_EQ(spool.stats("b").records, 1u);
  EXPECT_EQ(replay_all(spool), std::vector<std::string>{"for b"});
}

TEST(Spool, RetryLaterStopsAndTheNextReplayResumesWithoutDuplicates) {
  TempDir tmp;
  {
    Spool writer({.directory = tmp.path()});
    for (const char* p : {"1", "2", "3", "4"}) ASSERT_TRUE(writer.append(record("d", p)));
  }
  Spool spool({.directory = tmp.path()});
  std::vector<std::string> seen;
  const ReplayResult first = spool.replay("d", [&](const SpoolRecord& r) {
    seen.push_back(r.payload);
    return seen.size() <= 2 ? DeliveryOutcome::kDelivered : DeliveryOutcome::kRetryLater;
  });
  EXPECT_TRUE(first.stopped);
  EXPECT_EQ(first.records_delivered, 2u);
  EXPECT_EQ(spool.stats("d").records, 2u);
  EXPECT_EQ(replay_all(spool, "d"), (std::vector<std::string>{"3", "4"}));
}

TEST(Spool, MaxRecordsBoundsOneReplay) {
  TempDir tmp;
  {
    Spool writer({.directory = tmp.path()});
    for (const char* p : {"1", "2", "3"}) ASSERT_TRUE(writer.append(record("d", p)));
  }
  Spool spool({.directory = tmp.path()});
  std::vector<std::string> seen;
  const auto r = spool.replay(
      "d",
      [&](const SpoolRecord& rec) {
        seen.push_back(rec.payload);
        return DeliveryOutcome::kRejected;
      },
      2);
  EXPECT_EQ(r.records_rejected, 2u);
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(replay_all(spool, "d"), std::vector<std::string>{"3"});
}

TEST(Spool, TornTailIsIgnoredAndEarlierRecordsSurvive) {
  TempDir tmp;
  {
    Spool writer({.directory = tmp.path()});
    ASSERT_TRUE(writer.append(record("d", "first")));
    ASSERT_TRUE(writer.append(record("d", "second")));
  }
  const auto segment = segments(tmp.path()).at(0);
  // A crash in the middle of writing a third record.
  const std::string third = encode_spool_record(record("d", "third, never finished"));
  std::ofstream(segment, std::ios::binary | std::ios::app) << third.substr(0, third.size() / 2);
  Spool spool({.directory = tmp.path()});
  EXPECT_EQ(spool.stats("d").records, 2u);
  EXPECT_EQ(replay_all(spool, "d"), (std::vector<std::string>{"first", "second"}));
  EXPECT_TRUE(segments(tmp.path()).empty());
}

TEST(Spool, DamagedRecordIsSkippedAndTheOnesAfterItAreDelivered) {
  TempDir tmp;
  {
    Spool writer({.directory = tmp.path()});
    for (const char* p : {"aaaa", "bbbb", "cccc"}) ASSERT_TRUE(writer.append(record("d", p)));
  }
  const auto segment = segments(tmp.path()).at(0);
  std::string bytes = read_bytes(segment);
  const auto at = bytes.find("bbbb");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'X';
  write_bytes(segment, bytes);
  Spool spool({.directory = tmp.path()});
  EXPECT_EQ(replay_all(spool, "d"), (std::vector<std::string>{"aaaa", "cccc"}));
}

TEST(Spool, DamagedHeaderMeansReplayFromTheStart) {
  TempDir tmp;
  {
    Spool writer({.directory = tmp.path()});
    for (const char* p : {"1", "2"}) ASSERT_TRUE(writer.append(record("d", p)));
  }
  Spool spool({.directory = tmp.path()});
  spool.replay(
      "d", [](const SpoolRecord&) { return DeliveryOutcome::kDelivered; }, 1);
  const auto segment = segments(tmp.path()).at(0);
  std::string bytes = read_bytes(segment);
  bytes[10] ^= 0x55;  // inside the committed offset: its CRC no longer matches
  write_bytes(segment, bytes);
  // At-least-once: the first record comes again rather than anything being lost.
  EXPECT_EQ(replay_all(spool, "d"), (std::vector<std::string>{"1", "2"}));
}

TEST(Spool, SegmentsOfALiveWriterAreNotReplayed) {
  TempDir tmp;
  auto writer = std::make_unique<Spool>(SpoolOptions{.directory = tmp.path()});
  ASSERT_TRUE(writer->append(record("d", "live")));
  Spool reader({.directory = tmp.path()});
  EXPECT_TRUE(replay_all(reader, "d").empty());
  EXPECT_EQ(reader.stats("d").records, 1u);  // but counted as pending
  writer.reset();                            // the writer exits: its lock goes with it
  EXPECT_EQ(replay_all(reader, "d"), std::vector<std::string>{"live"});
}

TEST(Spool, SealedSegmentsOfThisProcessAreReplayable) {
  TempDir tmp;
  Spool spool({.directory = tmp.path()});
  ASSERT_TRUE(spool.append(record("d", "mine")));
  EXPECT_TRUE(replay_all(spool, "d").empty());  // still being written
  spool.seal();
  EXPECT_EQ(replay_all(spool, "d"), std::vector<std::string>{"mine"});
  ASSERT_TRUE(spool.append(record("d", "later")));  // a new segment
  EXPECT_EQ(spool.stats("d").records, 1u);
}

TEST(Spool, TwoReplaysDoNotInterleave) {
  TempDir tmp;
  {
    Spool writer({.directory = tmp.path()});
    ASSERT_TRUE(writer.append(record("d", "x")));
  }
  Spool first({.directory = tmp.path()});
  Spool second({.directory = tmp.path()});
  ReplayResult inner;
  first.replay("d", [&](const SpoolRecord&) {
    inner = second.replay("d", [](const SpoolRecord&) { return DeliveryOutcome::kDelivered; });
    return DeliveryOutcome::kDelivered;
  });
  EXPECT_TRUE(inner.busy);
  EXPECT_EQ(inner.records_delivered, 0u);
}

TEST(Spool, RollsOverToANewSegmentPastMaxSegmentBytes) {
  TempDir tmp;
  {
    Spool writer({.directory = tmp.path(), .max_bytes = 1 << 20, .max_segment_bytes = 200});
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer.append(record("d", std::string(100, 'a' + i))));
  }
  EXPECT_EQ(segments(tmp.path()).size(), 5u);
  Spool spool({.directory = tmp.path()});
  const auto seen = replay_all(spool, "d");
  ASSERT_EQ(seen.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(seen[i][0], 'a' + i);  // oldest first across segments
}

TEST(Spool, FullSpoolRefusesAppendsAndSaysSo) {
  TempDir tmp;
  Spool spool({.directory = tmp.path(), .max_bytes = 300, .max_segment_bytes = 1 << 20});
  ASSERT_TRUE(spool.append(record("d", std::string(100, 'x'))));
  EXPECT_FALSE(spool.append(record("d", std::string(200, 'y'))));
  EXPECT_NE(spool.last_error().find("is full"), std::string::npos) << spool.last_error();
  EXPECT_EQ(spool.stats().records, 1u);
}

TEST(SpoolRecord, MadeInPlaceEqualsEncoded) {
  const SpoolRecord r = record("OTLP/HTTP http://x", std::string("\0\x01payload", 9), 7);
  std::string bytes = "left from an earlier record";
  start_spool_record(bytes, r.destination, r.span_count, r.created_unix_nano);
  bytes += r.payload;
  finish_spool_record(bytes);
  EXPECT_EQ(bytes, encode_spool_record(r));
}

TEST(Spool, RecordsAppendedForLaterSyncAreKeptAndReplayed) {
  TempDir tmp;
  {
    Spool spool({.directory = tmp.path(), .max_segment_bytes = 200});  // a segment each
    for (const char* p : {"one", "two", "three"}) {
      std::string bytes;
      start_spool_record(bytes, "d", 1, 5);
      bytes += std::string(100, p[0]);
      finish_spool_record(bytes);
      ASSERT_TRUE(spool.append_encoded("d", bytes, SpoolSync::kLater));
    }
    EXPECT_TRUE(spool.sync());
    ASSERT_TRUE(spool.append(record("d", "now")));  // a later one made durable at once
    EXPECT_EQ(spool.stats("d").records, 4u);
  }
  Spool reader({.directory = tmp.path()});
  const auto seen = replay_all(reader, "d");
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], std::string(100, 'o'));
  EXPECT_EQ(seen[2], std::string(100, 't'));
  EXPECT_EQ(seen[3], "now");
}

// The spool keeps a running count of its size and lists the directory again when that count
// says full: room made meanwhile (here by a replay in another process's stead) is found.
TEST(Spool, FullSpoolTakesRecordsAgainOnceReplayed) {
  TempDir tmp;
  Spool writer({.directory = tmp.path(), .max_bytes = 400, .max_segment_bytes = 150});
  ASSERT_TRUE(writer.append(record("d", std::string(100, 'a'))));
  ASSERT_TRUE(writer.append(record("d", std::string(100, 'b'))));
  EXPECT_FALSE(writer.append(record("d", std::string(100, 'c'))));
  writer.seal();
  Spool other({.directory = tmp.path()});
  ASSERT_EQ(replay_all(other, "d").size(), 2u);
  EXPECT_TRUE(writer.append(record("d", std::string(100, 'c'))));
}

// A write that fails part-way (here: the file size limit, as a full disk would) must not
// leave a torn record behind, and the spool must go on working afterwards.
TEST(Spool, FailedWriteIsTakenBackAndLaterAppendsWork) {
  TempDir tmp;
  Spool spool({.directory = tmp.path()});
  ASSERT_TRUE(spool.append(record("d", "before")));
  const auto segment = segments(tmp.path()).at(0);
  const auto size = std::filesystem::file_size(segment);

  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &previous), 0);
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  rlimit limit = old_limit;
  limit.rlim_cur = size + 20;  // room for part of the next record only
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  const bool appended = spool.append(record("d", std::string(500, 'z')));
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  ASSERT_EQ(::sigaction(SIGXFSZ, &previous, nullptr), 0);

  EXPECT_FALSE(appended);
  EXPECT_NE(spool.last_error().find("cannot write"), std::string::npos) << spool.last_error();
  EXPECT_EQ(std::filesystem::file_size(segment), size);  // truncated back
  ASSERT_TRUE(spool.append(record("d", "after")));
  EXPECT_EQ(spool.pending("d").size(), 2u);
}

}  // namespace
}  // namespace chaostracing
