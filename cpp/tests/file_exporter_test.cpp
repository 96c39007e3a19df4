// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/file_exporter.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>
#include <vector>

#include "fakes/fake_exporter.hpp"

namespace chaostracing {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "chaostracing-XXXXXX";
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(FileExporter, WritesOneJsonLinePerBatch) {
  TempDir dir;
  const std::string path = dir.path() + "/trace.jsonl";
  FileExporter exporter(path, true);
  EXPECT_EQ(exporter.describe(), "file " + path);
  const std::vector<SpanData> batch1{testing::make_span("a", 1), testing::make_span("b", 2)};
  const std::vector<SpanData> batch2{testing::make_span("c", 3)};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  EXPECT_EQ(exporter.export_batch(batch1, Resource{}, Scope{}, deadline), ExportResult::kSuccess);
  EXPECT_EQ(exporter.export_batch(batch2, Resource{}, Scope{}, deadline), ExportResult::kSuccess);
  const std::string content = read_all(path);
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(content.back(), '\n');
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("{\"resourceSpans\":", 0), 0u);
  EXPECT_NE(lines[0].find("\"name\":\"b\""), std::string::npos);
  EXPECT_NE(lines[1].find("\"name\":\"c\""), std::string::npos);

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777 & ~0022u, 0644u & ~0022u);
}

void exporter_writes(FileExporter& exporter, const std::vector<SpanData>& batch) {
  ASSERT_EQ(exporter.export_batch(batch, Resource{}, Scope{},
                                  std::chrono::steady_clock::time_point::max()),
            ExportResult::kSuccess);
}

TEST(FileExporter, TruncateFalseAppends) {
  TempDir dir;
  const std::string path = dir.path() + "/trace.jsonl";
  const std::vector<SpanData> batch{testing::make_span("a")};
  const auto deadline = std::chrono::steady_clock::time_point::max();
  for (int i = 0; i < 2; ++i) {
    FileExporter exporter(path, false);
    exporter.export_batch(batch, Resource{}, Scope{}, deadline);
  }
  EXPECT_EQ(read_lines(path).size(), 2u);
  {
    // Emptied by the export thread before its first write, not by the caller that opens it.
    FileExporter truncating(path, true);
    EXPECT_EQ(read_lines(path).size(), 2u);
    exporter_writes(truncating, batch);
    EXPECT_EQ(read_lines(path).size(), 1u);
    exporter_writes(truncating, batch);
    EXPECT_EQ(read_lines(path).size(), 2u);
  }
  {
    FileExporter truncating(path, true);  // nothing to write: emptied when it closes
  }
  EXPECT_EQ(read_lines(path).size(), 0u);
  for (int i = 0; i < 2; ++i) exporter_writes(*std::make_unique<FileExporter>(path, false), batch);
  {
    FileExporter truncating(path, true);
    truncating.start();  // what the export thread does first
    EXPECT_EQ(read_lines(path).size(), 0u);
    exporter_writes(truncating, batch);
  }
  EXPECT_EQ(read_lines(path).size(), 1u);
}

TEST(FileExporter, MissingDirectoryThrowsNamingThePath) {
  TempDir dir;
  const std::string path = dir.path() + "/no/such/dir/trace.jsonl";
  try {
    FileExporter exporter(path, true);
    FAIL() << "expected std::system_error";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
}

TEST(FileExporter, FailsAfterShutdown) {
  TempDir dir;
  FileExporter exporter(dir.path() + "/t.jsonl", true);
  exporter.shutdown();
  const std::vector<SpanData> batch{testing::make_span("a")};
  EXPECT_EQ(exporter.export_batch(batch, Resource{}, Scope{},
                                  std::chrono::steady_clock::time_point::max()),
            ExportResult::kFailure);
  EXPECT_NE(exporter.last_error().find("closed"), std::string::npos);
}

TEST(FileExporter, KeepsWhatItWroteForTheReport) {
  TempDir dir;
  auto written = std::make_shared<WrittenSpans>(1 << 20);
  FileExporter exporter(dir.path() + "/t.jsonl", true, written);
  const std::vector<SpanData> batch1{testing::make_span("a", 1), testing::make_span("b", 2)};
  const std::vector<SpanData> batch2{testing::make_span("c", 3)};
  const Resource resource{{{"service.name", std::string("svc")}}};
  const Scope scope{"chaostracing", "1"};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  ASSERT_EQ(exporter.export_batch(batch1, resource, scope, deadline), ExportResult::kSuccess);
  ASSERT_EQ(exporter.export_batch(batch2, resource, scope, deadline), ExportResult::kSuccess);

  auto kept = written->take();
  ASSERT_TRUE(kept.has_value());
  ASSERT_EQ(kept->size(), 2u);
  EXPECT_EQ((*kept)[0].spans, batch1);
  EXPECT_EQ((*kept)[1].spans, batch2);
  EXPECT_EQ((*kept)[1].resource, resource);
  EXPECT_EQ((*kept)[1].scope, scope);
  // Taken: the next take() has only what was written since.
  EXPECT_TRUE(written->take()->empty());

  // A batch that could not be written is not in the file, so not kept either.
  exporter.shutdown();
  ASSERT_EQ(exporter.export_batch(batch1, resource, scope, deadline), ExportResult::kFailure);
  EXPECT_TRUE(written->take()->empty());
}

TEST(FileExporter, PastItsLimitKeepsNothingAndSaysSo) {
  TempDir dir;
  const std::string path = dir.path() + "/t.jsonl";
  const std::vector<SpanData> batch{testing::make_span("a", 1), testing::make_span("b", 2)};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::size_t line_bytes = 0;
  {
    FileExporter sizing(path, true);
    ASSERT_EQ(sizing.export_batch(batch, Resource{}, Scope{}, deadline), ExportResult::kSuccess);
    line_bytes = read_all(path).size();
  }
  // Room for two lines: two batches are kept, a third makes the file the only whole record.
  auto written = std::make_shared<WrittenSpans>(2 * line_bytes);
  FileExporter exporter(path, true, written);
  ASSERT_EQ(exporter.export_batch(batch, Resource{}, Scope{}, deadline), ExportResult::kSuccess);
  ASSERT_EQ(exporter.export_batch(batch, Resource{}, Scope{}, deadline), ExportResult::kSuccess);
  EXPECT_EQ(written->take()->size(), 2u);
  ASSERT_EQ(exporter.export_batch(batch, Resource{}, Scope{}, deadline), ExportResult::kSuccess);
  ASSERT_EQ(exporter.export_batch(batch, Resource{}, Scope{}, deadline), ExportResult::kSuccess);
  ASSERT_EQ(exporter.export_batch(batch, Resource{}, Scope{}, deadline), ExportResult::kSuccess);
  EXPECT_FALSE(written->take().has_value());
  EXPECT_EQ(read_lines(path).size(), 5u);
}

}  // namespace
}  // namespace chaostracing
