// SPDX-License-Identifier: Apache-2.0
// The report's HTML document and its file: the one place experiment strings become markup
// (the title) is escaped, the data is there once, and the file is replaced whole. The Python
// tests open the page in headless Chromium under its Content-Security-Policy.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "chaostracing/report.hpp"
#include "fakes/fake_exporter.hpp"

namespace chaostracing {
namespace {

namespace fs = std::filesystem;

class TempFolder {
 public:
  TempFolder() {
    std::string pattern = ::testing::TempDir() + "chaostracing-page-XXXXXX";
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string contents(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportPage, EscapesTheTitleAndHoldsTheDataOnce) {
  ReportSpan experiment;
  experiment.trace_id = "0af7651916cd43dd8448eb211c80319c";
  experiment.span_id = "1";
  experiment.name = "experiment";
  experiment.attributes.emplace_back(
      "chaostoolkit.experiment.title",
      report_value(AttributeValue(std::string("</title><script>alert('x')</script>&\""))));
  const std::vector<ReportSpan> spans{experiment};
  const auto rows = report_layout(spans);
  const auto summary = report_summary(spans);
  const std::string page = report_page(spans, rows, summary, "http://jaeger/trace/1");

  EXPECT_NE(page.find("<title>&lt;/title&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
                      "&amp;&quot; — chaostracing report</title>"),
            std::string::npos);
  EXPECT_NE(page.find(report_json(spans, rows, summary, "http://jaeger/trace/1")),
            std::string::npos);
  EXPECT_EQ(count(page, "<script"), 2u);  // the data block and the page's own script
  EXPECT_EQ(count(page, "</script>"), 2u);
  EXPECT_EQ(count(page, "'sha256-"), 2u);  // the policy allows that script and style only
  EXPECT_EQ(page.rfind("</html>\n"), page.size() - 8);

  // No title at all: "Trace".
  EXPECT_NE(report_page({}, {}, ReportSummary{}, "").find("<title>Trace — chaostracing report"),
            std::string::npos);
}

TEST(ReportPage, FileIsReplacedWholeAndReadableByAll) {
  TempFolder folder;
  const std::string path = (folder.path() / "run.report.html").string();
  ASSERT_EQ(write_file_atomically(path, "old"), "");
  ASSERT_EQ(write_file_atomically(path, "new page"), "");
  EXPECT_EQ(contents(path), "new page");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
  // Nothing but the file is left in the folder: no temporary.
  EXPECT_EQ(std::distance(fs::directory_iterator(folder.path()), fs::directory_iterator()), 1);

  const std::string missing = (folder.path() / "no" / "such" / "r.html").string();
  const std::string error = write_file_atomically(missing, "x");
  EXPECT_NE(error.find(missing), std::string::npos) << error;
  EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

TEST(ReportPage, RunReportIsMadeFromWhatTheExporterKept) {
  TempFolder folder;
  const std::string path = (folder.path() / "run.report.html").string();
  WrittenSpans written(1 << 20);
  const std::vector<SpanData> batch{testing::make_span("experiment", 1),
                                    testing::make_span("method", 2)};
  written.add(batch, Resource{}, Scope{"chaostracing", "1"}, 100);
  const auto result = write_written_report(written, path, "");
  EXPECT_TRUE(result.kept);
  EXPECT_EQ(result.spans, 2u);
  EXPECT_EQ(result.error, "");
  const std::string page = contents(path);
  EXPECT_NE(page.find("\"name\":\"method\""), std::string::npos);

  // Past its limit the exporter kept nothing whole: no report is written from a part.
  WrittenSpans overflowed(10);
  overflowed.add(batch, Resource{}, Scope{}, 100);
  const std::string unwritten = (folder.path() / "other.report.html").string();
  EXPECT_FALSE(write_written_report(overflowed, unwritten, "").kept);
  EXPECT_FALSE(fs::exists(unwritten));
}

}  // namespace
}  // namespace chaostracing
