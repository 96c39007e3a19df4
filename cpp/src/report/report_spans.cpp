// SPDX-License-Identifier: Apache-2.0
// Spans a file exporter wrote, as the report sees them: values as the page shows them, ids
// as the trace file holds them, so that a run's report equals the one read from its file.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <variant>

#include "chaostracing/ids.hpp"
#include "chaostracing/report.hpp"
#include "detail/json.hpp"

namespace chaostracing {
namespace {

// A number as Python's json.dumps() writes it.
void append_number(std::string& out, std::int64_t value) { detail::append_decimal(out, value); }

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("NaN");
  } else if (std::isinf(value)) {
    out.append(value > 0 ? "Infinity" : "-Infinity");
  } else {
    detail::append_python_float_repr(out, value);
  }
}

ReportAttributes report_attributes(const AttributeList& attributes) {
  ReportAttributes out;
  out.reserve(attributes.size());
  for (const auto& attribute : attributes) {
    out.emplace_back(detail::utf8_repaired(attribute.key.view()), report_value(attribute.value));
  }
  return out;
}

std::string hex_or_empty(SpanId id) { return id == 0 ? std::string() : span_id_to_hex(id); }

std::string hex_or_empty(const TraceId& id) {
  const bool zero = std::all_of(id.begin(), id.end(), [](auto byte) { return byte == 0; });
  return zero ? std::string() : trace_id_to_hex(id);
}

}  // namespace

ReportValue report_value(const AttributeValue& value) {
  ReportValue out;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          out.type = ReportValue::Type::kString;
          out.truthy = !v.empty();
          out.text = detail::utf8_repaired(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out.type = ReportValue::Type::kBool;
          out.truthy = v;
          out.text = v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out.type = ReportValue::Type::kInt;
          out.truthy = v != 0;
          append_number(out.text, v);
        } else if constexpr (std::is_same_v<T, double>) {
          out.type = ReportValue::Type::kDouble;
          out.truthy = v != 0;
          append_number(out.text, v);
        } else {
          // json.dumps() of a list: ", " between elements.
          out.type = ReportValue::Type::kOther;
          out.truthy = !v.empty();
          out.text.push_back('[');
          bool first = true;
          for (const auto& element : v) {
            if (!first) out.text.append(", ");
            first = false;
            using Element = typename T::value_type;
            if constexpr (std::is_same_v<Element, std::string>) {
              detail::append_json_string(out.text, element);
            } else if constexpr (std::is_same_v<Element, bool>) {
              out.text.append(element ? "true" : "false");
            } else {
              append_number(out.text, element);
            }
          }
          out.text.push_back(']');
        }
      },
      value);
  return out;
}

std::vector<ReportSpan> report_spans(std::span<const ExportedBatch> batches) {
  std::vector<ReportSpan> out;
  std::size_t count = 0;
  for (const auto& batch : batches) count += batch.spans.size();
  out.reserve(count);
  for (const auto& batch : batches) {
    const std::string scope_name = detail::utf8_repaired(batch.scope.name);
    for (const auto& span : batch.spans) {
      ReportSpan& report = out.emplace_back();
      report.trace_id = hex_or_empty(span.trace_id);
      report.span_id = hex_or_empty(span.span_id);
      report.parent_span_id = hex_or_empty(span.parent_span_id);
      report.name = detail::utf8_repaired(span.name);
      report.start_ns = static_cast<std::int64_t>(span.start_time_unix_nano);
      // An unended span (end 0) is shown as an instant, as the trace file reader does.
      report.end_ns =
          static_cast<std::int64_t>(std::max(span.end_time_unix_nano, span.start_time_unix_nano));
      report.attributes = report_attributes(span.attributes);
      for (const auto& event : span.events) {
        report.events.push_back({detail::utf8_repaired(event.name),
                                 static_cast<std::int64_t>(event.time_unix_nano),
                                 report_attributes(event.attributes)});
      }
      report.status_code = static_cast<int>(span.status_code);
      report.status_message = detail::utf8_repaired(span.status_message);
      report.scope_name = scope_name;
    }
  }
  return out;
}

}  // namespace chaostracing
