// SPDX-License-Identifier: Apache-2.0
// _core.ReportData: the report's rows, summary and page data (chaostracing/report.hpp), made
// from spans read back from a trace file (chaostracing.trace_file.Span tuples, report_data())
// or from what a file exporter kept (Pipeline.written_report(): no span becomes a Python
// object at the end of the run).
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>

#include <utility>

#include "bindings.hpp"
#include "chaostracing/report.hpp"

namespace chaostracing::bindings {
namespace {

struct PyReportData {
  std::vector<ReportSpan> spans;
  std::vector<ReportRow> rows;
  ReportSummary summary;

  explicit PyReportData(std::vector<ReportSpan> s)
      : spans(std::move(s)), rows(report_layout(spans)), summary(report_summary(spans)) {}
};

// `display` shows the values the core has no type for (None, big ints, dicts, lists), as the
// page does (chaostracing.report.model._display).
ReportValue value_from_python(nb::handle value, nb::handle display) {
  PyObject* o = value.ptr();
  switch (value_kind(o)) {
    case ValueKind::kStr:
      return report_value(AttributeValue(utf8(value, "attribute value")));
    case ValueKind::kBool:
      return report_value(AttributeValue(o == Py_True));
    case ValueKind::kInt: {
      int overflow = 0;
      const long long number = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (overflow == 0 && !(number == -1 && PyErr_Occurred())) {
        return report_value(AttributeValue(static_cast<std::int64_t>(number)));
      }
      PyErr_Clear();
      break;  // past 64 bits
    }
    case ValueKind::kFloat:
      return report_value(AttributeValue(PyFloat_AS_DOUBLE(o)));
    case ValueKind::kOther:
      break;
  }
  ReportValue out;
  out.type = ReportValue::Type::kOther;
  const int truth = PyObject_IsTrue(o);
  if (truth < 0) throw nb::python_error();
  out.truthy = truth == 1;
  out.text = utf8(display(value), "displayed value");
  return out;
}

ReportAttributes attributes_from_python(nb::handle mapping, nb::handle display) {
  ReportAttributes out;
  if (PyDict_Check(mapping.ptr())) {
    out.reserve(static_cast<std::size_t>(PyDict_GET_SIZE(mapping.ptr())));
    PyObject* key = nullptr;
    PyObject* value = nullptr;
    Py_ssize_t position = 0;
    while (PyDict_Next(mapping.ptr(), &position, &key, &value)) {
      out.emplace_back(utf8(key, "attribute key"), value_from_python(value, display));
    }
    return out;
  }
  for (nb::handle item : mapping.attr("items")()) {
    out.emplace_back(utf8(item[0], "attribute key"), value_from_python(item[1], display));
  }
  return out;
}

std::int64_t int64_of(nb::handle value, const char* what) {
  int overflow = 0;
  const long long number = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0 || (number == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    throw nb::value_error((std::string(what) + " must be a signed 64-bit integer").c_str());
  }
  return number;
}

// One chaostracing.trace_file.Span (a named tuple; read by position).
ReportSpan span_from_python(nb::handle span, nb::handle display) {
  const auto field = [&](std::size_t i) { return span[i]; };
  ReportSpan out;
  out.trace_id = utf8(field(0), "trace_id");
  out.span_id = utf8(field(1), "span_id");
  out.parent_span_id = utf8(field(2), "parent_span_id");
  out.name = utf8(field(3), "name");
  out.start_ns = int64_of(field(4), "start_ns");
  out.end_ns = int64_of(field(5), "end_ns");
  out.attributes = attributes_from_python(field(6), display);
  for (nb::handle event : field(7)) {
    out.events.push_back({utf8(event[0], "event name"), int64_of(event[1], "event time_ns"),
                          attributes_from_python(event[2], display)});
  }
  out.status_code = static_cast<int>(int64_of(field(8), "status_code"));
  out.status_message = utf8(field(9), "status_message");
  out.scope_name = utf8(field(11), "scope_name");
  return out;
}

nb::tuple summary_tuple(const PyReportData& data) {
  const auto& s = data.summary;
  nb::list trace_ids;
  for (const auto& id : s.trace_ids) trace_ids.append(nb::str(id.data(), id.size()));
  nb::list errors;
  for (const auto i : s.errors) errors.append(i);
  return nb::make_tuple(s.title, nb::tuple(trace_ids), s.status, s.deviated, s.deviation,
                        s.start_ns, s.end_ns, nb::tuple(errors));
}

nb::list rows_list(const PyReportData& data) {
  nb::list out;
  for (const auto& row : data.rows) {
    out.append(nb::make_tuple(row.span, row.depth, row.background ? "background" : "main",
                              report_kind_name(row.kind), row.has_children, row.orphan));
  }
  return out;
}

}  // namespace

nb::object written_report(WrittenSpans& written) {
  auto batches = written.take();
  if (!batches) return nb::none();
  return nb::cast(PyReportData(report_spans(*batches)));
}

void bind_report(nb::module_& m) {
  nb::class_<PyReportData>(m, "ReportData")
      .def("__len__", [](const PyReportData& self) { return self.spans.size(); })
      .def("rows", &rows_list,
           "(span index, depth, lane, kind, has_children, orphan) per row, in display order.")
      .def("summary", &summary_tuple,
           "(title, trace_ids, status, deviated, deviation, start_ns, end_ns, error span "
           "indices).")
      .def(
          "json",
          [](const PyReportData& self, std::string_view link) {
            return report_json(self.spans, self.rows, self.summary, link);
          },
          nb::arg("link") = "", "The page's data, as JSON safe inside a <script> element.")
      .def(
          "page",
          [](const PyReportData& self, std::string_view link) {
            return report_page(self.spans, self.rows, self.summary, link);
          },
          nb::arg("link") = "", "The report as one HTML document.")
      .def(
          "write_page",
          [](const PyReportData& self, const std::string& path, std::string_view link) {
            std::string page = report_page(self.spans, self.rows, self.summary, link);
            std::string error;
            {
              nb::gil_scoped_release release;
              error = write_file_atomically(path, page);
            }
            if (!error.empty()) {
              PyErr_SetString(PyExc_OSError, error.c_str());
              throw nb::python_error();
            }
          },
          nb::arg("path"), nb::arg("link") = "",
          "Write page(link) to `path` through a temporary file renamed over it (mode 0644).\n"
          "Raises OSError naming the path.");
  m.def(
      "report_data",
      [](nb::iterable spans, nb::object display) {
        std::vector<ReportSpan> converted;
        for (nb::handle span : spans) converted.push_back(span_from_python(span, display));
        return PyReportData(std::move(converted));
      },
      nb::arg("spans"), nb::arg("display"),
      "The report of chaostracing.trace_file.Span tuples; display(value) shows a value that is\n"
      "not str, bool, a 64-bit int or float. Raises ValueError for a time or status that is\n"
      "not a signed 64-bit integer, TypeError for a field of another type.");
}

}  // namespace chaostracing::bindings
