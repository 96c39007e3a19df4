// SPDX-License-Identifier: Apache-2.0
// The report's data as the page reads it (chaostracing/report/static/report.js).
#include <cstdio>
#include <ctime>
#include <unordered_map>

#include "chaostracing/report.hpp"
#include "detail/json.hpp"

namespace chaostracing {
namespace {

void append_text(std::string& out, std::string_view text) {
  detail::append_json_string_for_script(out, text);
}

void append_key(std::string& out, std::string_view key) {
  out.push_back('"');
  out.append(key);  // the keys below are plain ASCII
  out.append("\":");
}

void append_attributes(std::string& out, const ReportAttributes& attributes) {
  out.push_back('[');
  bool first = true;
  for (const auto& [key, value] : attributes) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('[');
    append_text(out, key);
    out.push_back(',');
    append_text(out, value.text);
    out.push_back(']');
  }
  out.push_back(']');
}

// "2026-11-27T12:00:00.123456789Z" for nanoseconds since the epoch.
std::string iso_time(std::int64_t ns) {
  constexpr std::int64_t kPerSecond = 1'000'000'000;
  std::int64_t seconds = ns / kPerSecond;
  std::int64_t fraction = ns % kPerSecond;
  if (fraction < 0) {  // floor, as Python's // and %
    fraction += kPerSecond;
    --seconds;
  }
  const auto moment = static_cast<std::time_t>(seconds);
  std::tm utc{};
  char text[64];
  if (gmtime_r(&moment, &utc) == nullptr ||
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc) == 0) {
    return {};
  }
  char digits[16];
  std::snprintf(digits, sizeof digits, ".%09lldZ", static_cast<long long>(fraction));
  return std::string(text) + digits;
}

void append_row(std::string& out, const ReportSpan& span, const ReportRow& row, std::int64_t t0) {
  out.append("{\"id\":");
  append_text(out, span.span_id);
  out.append(",\"parent\":");
  append_text(out, span.parent_span_id);
  out.append(",\"name\":");
  append_text(out, span.name);
  out.append(",\"depth\":");
  detail::append_decimal(out, row.depth);
  out.append(row.background ? ",\"lane\":\"background\"" : ",\"lane\":\"main\"");
  out.append(",\"kind\":\"");
  out.append(report_kind_name(row.kind));
  out.append(row.has_children ? "\",\"group\":true" : "\",\"group\":false");
  out.append(row.orphan ? ",\"orphan\":true" : ",\"orphan\":false");
  out.append(",\"start\":");
  detail::append_decimal(out, span.start_ns - t0);
  out.append(",\"duration\":");
  detail::append_decimal(out, span.end_ns > span.start_ns ? span.end_ns - span.start_ns : 0);
  out.append(",\"status\":");
  detail::append_decimal(out, span.status_code);
  out.append(",\"message\":");
  append_text(out, span.status_message);
  out.append(",\"scope\":");
  append_text(out, span.scope_name);
  out.append(",\"attributes\":");
  append_attributes(out, span.attributes);
  out.append(",\"events\":[");
  bool first = true;
  for (const auto& event : span.events) {
    if (!first) out.push_back(',');
    first = false;
    out.append("{\"name\":");
    append_text(out, event.name);
    out.append(",\"time\":");
    detail::append_decimal(out, event.time_ns - t0);
    out.append(",\"attributes\":");
    append_attributes(out, event.attributes);
    out.push_back('}');
  }
  out.append("]}");
}

}  // namespace

std::string report_json(std::span<const ReportSpan> spans, std::span<const ReportRow> rows,
                        const ReportSummary& summary, std::string_view link) {
  std::string out;
  out.reserve(512 + spans.size() * 640);
  const std::int64_t t0 = summary.start_ns;
  out.append("{\"summary\":{");
  append_key(out, "title");
  append_text(out, summary.title);
  out.append(",\"traceIds\":[");
  for (std::size_t i = 0; i < summary.trace_ids.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_text(out, summary.trace_ids[i]);
  }
  out.append("],\"status\":");
  append_text(out, summary.status);
  out.append(summary.deviated ? ",\"deviated\":true" : ",\"deviated\":false");
  out.append(",\"deviation\":");
  append_text(out, summary.deviation);
  out.append(",\"start\":");
  append_text(out, spans.empty() ? std::string() : iso_time(t0));
  out.append(",\"duration\":");
  detail::append_decimal(out, summary.end_ns - summary.start_ns);
  out.append(",\"spanCount\":");
  detail::append_decimal(out, static_cast<std::int64_t>(spans.size()));
  // Errors by their row, which is where the page shows them.
  std::unordered_map<std::string_view, std::size_t> row_of;
  row_of.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) row_of[spans[rows[i].span].span_id] = i;
  out.append(",\"errors\":[");
  bool first = true;
  for (const auto error : report_errors_cause_first(spans, summary)) {
    const auto found = row_of.find(spans[error].span_id);
    if (found == row_of.end()) continue;
    if (!first) out.push_back(',');
    first = false;
    detail::append_decimal(out, static_cast<std::int64_t>(found->second));
  }
  out.append("],\"link\":");
  append_text(out, link);
  out.append("},\"rows\":[");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_row(out, spans[rows[i].span], rows[i], t0);
  }
  out.append("]}");
  return out;
}

}  // namespace chaostracing
