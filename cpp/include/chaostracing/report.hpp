// SPDX-License-Identifier: Apache-2.0
// The HTML report's data: the waterfall's rows (order, depth, lane, kind), the run's summary,
// and the JSON the page draws — worked out here, once, for the report written at the end of
// a run (from the spans its file exporter kept, without handing them to Python) and for
// `chaos trace report`/`show` (from spans read back from a trace file); and the page itself
// (its script and style are compiled in: src/report/page/), written without Python at the end
// of a run, on the thread that also delivers the last spans.
//
// Values are kept as the page shows them (ReportValue::text: strings as they are, anything
// else as Python's json.dumps() writes it) with their type, which the summary reads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chaostracing/file_exporter.hpp"
#include "chaostracing/memory_exporter.hpp"
#include "chaostracing/span.hpp"

namespace chaostracing {

struct ReportValue {
  enum class Type : std::uint8_t { kString, kBool, kInt, kDouble, kOther };
  Type type = Type::kString;
  // Python's truth of the value (for "title or name"); for a bool, the bool.
  bool truthy = false;
  // As the page shows it (UTF-8).
  std::string text;

  bool is(bool value) const noexcept { return type == Type::kBool && truthy == value; }
};

using ReportAttributes = std::vector<std::pair<std::string, ReportValue>>;

struct ReportEvent {
  std::string name;
  std::int64_t time_ns = 0;
  ReportAttributes attributes;
};

// One span as the report sees it; ids as lower-case hex, "" for a root's parent.
struct ReportSpan {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
  std::string name;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  ReportAttributes attributes;
  std::vector<ReportEvent> events;
  int status_code = 0;
  std::string status_message;
  std::string scope_name;

  const ReportValue* attribute(std::string_view key) const noexcept;
};

enum class ReportKind : std::uint8_t {
  kExperiment,
  kPhase,
  kIteration,
  kActivity,
  kPause,
  kForeign,
  kOther
};
std::string_view report_kind_name(ReportKind kind) noexcept;

struct ReportRow {
  std::size_t span = 0;  // index into the spans
  int depth = 0;
  // A background activity and all it contains are on the "background" lane.
  bool background = false;
  ReportKind kind = ReportKind::kOther;
  bool has_children = false;
  // The parent is not among the spans (a partial trace): shown as a root.
  bool orphan = false;
};

struct ReportSummary {
  std::string title;
  std::vector<std::string> trace_ids;
  std::string status;
  bool deviated = false;
  // One sentence on how the steady state was missed, "" when it was not.
  std::string deviation;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  // Indices of the spans whose status is an error, in span order.
  std::vector<std::size_t> errors;
};

// Rows in display order: depth-first, children by lane (foreground first) then start time;
// a span id seen twice is shown once.
std::vector<ReportRow> report_layout(std::span<const ReportSpan> spans);

ReportSummary report_summary(std::span<const ReportSpan> spans);

// The summary's errors with failed activities before the hypotheses and experiment they made
// fail (then by start time).
std::vector<std::size_t> report_errors_cause_first(std::span<const ReportSpan> spans,
                                                   const ReportSummary& summary);

// Everything the page needs, as JSON that is safe inside a <script> element ("<", ">", "&",
// U+2028 and U+2029 escaped). Times are nanoseconds from the trace's first start.
std::string report_json(std::span<const ReportSpan> spans, std::span<const ReportRow> rows,
                        const ReportSummary& summary, std::string_view link);

// The whole report, one self-contained HTML document that opens from disk: the page's
// script and style (allowed by hash, and nothing else, by its Content-Security-Policy), the
// summary's title (markup-escaped) and report_json().
std::string report_page(std::span<const ReportSpan> spans, std::span<const ReportRow> rows,
                        const ReportSummary& summary, std::string_view link);

// Writes `contents` to `path` through a temporary file in the same folder renamed over it, so
// that a reader never sees half a file; mode 0644, as a journal. "" when written, else the
// error, naming the path.
std::string write_file_atomically(const std::string& path, std::string_view contents);

// What write_written_report() did.
struct ReportWriteResult {
  // The exporter kept every span it wrote: otherwise nothing was written (the report must be
  // made from the file).
  bool kept = false;
  std::size_t spans = 0;
  std::string error;  // "" when written
};

// The report of what a file exporter kept (WrittenSpans::take()), written to `path`.
ReportWriteResult write_written_report(WrittenSpans& written, const std::string& path,
                                       std::string_view link);

// The spans of exported batches (what a file exporter wrote), for the report.
std::vector<ReportSpan> report_spans(std::span<const ExportedBatch> batches);

// How the page shows a value: strings as they are, others as Python's json.dumps() writes
// them (floats as Python's repr(), NaN and infinities as NaN/Infinity, lists with ", ").
ReportValue report_value(const AttributeValue& value);

}  // namespace chaostracing
