// SPDX-License-Identifier: Apache-2.0
// The report's HTML document and the file it is written to.
#include "report_page.inc"  // kPageHead, kPageAfterTitle, kPageTail (generated)

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "chaostracing/report.hpp"
#include "detail/posix_io.hpp"

namespace chaostracing {
namespace {

// What Python's html.escape() replaces, for the <title>: the one place the page writes markup
// from the experiment's strings.
void append_markup_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '"':
        out.append("&quot;");
        break;
      case '\'':
        out.append("&#x27;");
        break;
      default:
        out.push_back(c);
    }
  }
}

}  // namespace

std::string report_page(std::span<const ReportSpan> spans, std::span<const ReportRow> rows,
                        const ReportSummary& summary, std::string_view link) {
  const std::string data = report_json(spans, rows, summary, link);
  std::string page;
  page.reserve(kPageHead.size() + kPageAfterTitle.size() + kPageTail.size() +
               summary.title.size() * 2 + data.size() + 8);
  page.append(kPageHead);
  append_markup_escaped(page, summary.title.empty() ? std::string_view("Trace") : summary.title);
  page.append(kPageAfterTitle);
  page.append(data);  // escaped for this place by report_json: no "<", ">" or "&" in it
  page.append(kPageTail);
  return page;
}

std::string write_file_atomically(const std::string& path, std::string_view contents) {
  const auto slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string temporary = folder + "." + name + ".XXXXXX";
  const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) return detail::errno_text("cannot write", path, errno);
  // mkostemp makes the file private; a report is as readable as a journal.
  const bool written = detail::write_all(fd, contents) && ::fchmod(fd, 0644) == 0;
  const int error = errno;
  if (::close(fd) != 0 || !written) {
    ::unlink(temporary.c_str());
    return detail::errno_text("cannot write", path, written ? errno : error);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_error = errno;
    ::unlink(temporary.c_str());
    return detail::errno_text("cannot write", path, rename_error);
  }
  return {};
}

ReportWriteResult write_written_report(WrittenSpans& written, const std::string& path,
                                       std::string_view link) {
  ReportWriteResult result;
  auto batches = written.take();
  if (!batches) return result;
  result.kept = true;
  const std::vector<ReportSpan> spans = report_spans(*batches);
  const std::vector<ReportRow> rows = report_layout(spans);
  const ReportSummary summary = report_summary(spans);
  result.spans = spans.size();
  result.error = write_file_atomically(path, report_page(spans, rows, summary, link));
  return result;
}

}  // namespace chaostracing
