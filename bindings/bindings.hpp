// SPDX-License-Identifier: Apache-2.0
// Private to the bindings: the Python-side wrapper types shared between bind_*.cpp files and
// the Python → C++ value conversions. All functions raise Python exceptions (TypeError,
// OverflowError, ValueError) through nanobind; none lets a C++ exception escape unconverted.
#pragma once

#include <nanobind/nanobind.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chaostracing/batch_processor.hpp"
#include "chaostracing/exporter.hpp"
#include "chaostracing/file_exporter.hpp"
#include "chaostracing/memory_exporter.hpp"
#include "chaostracing/redactor.hpp"
#include "chaostracing/span.hpp"
#include "chaostracing/spool.hpp"

namespace chaostracing::bindings {

namespace nb = nanobind;

// An exporter built in Python but not yet owned by a Pipeline (which moves it out).
struct PyExporter {
  std::unique_ptr<Exporter> exporter;
  std::string description;
  std::shared_ptr<ExportedBatches> memory;  // set for _memory_exporter() only
  std::shared_ptr<WrittenSpans> written;    // set for file_exporter(keep_bytes=N > 0) only
};

// A spool opened from Python; shared with the Pipelines that write to it.
struct PySpool {
  std::shared_ptr<Spool> spool;
};

// The run's secrets, shared by every span that redacts through it.
struct PyRedactor {
  std::shared_ptr<const Redactor> redactor;
};

// _core.Pipeline: a BatchProcessor over one exporter.
struct PyPipeline {
  std::shared_ptr<BatchProcessor> processor;
  std::shared_ptr<Spool> spool;
  std::shared_ptr<ExportedBatches> memory;
  std::shared_ptr<WrittenSpans> written;
  std::string description;
};

// _core.Span: builds one SpanData; end() hands it to the processor, which it keeps alive.
struct PySpan {
  // The Python object that owns `processor` (its Pipeline, or the API's run): a reference
  // rather than a shared_ptr, so that a span costs no atomic operation. Pipelines never
  // replace their processor.
  nb::object owner;
  BatchProcessor* processor = nullptr;
  SpanData data;
  bool ended = false;
};

// _core.ActivityAttributes (activity_content.cpp): an activity span's attributes, which
// Pipeline.start_span() takes.
struct PyActivityAttributes {
  AttributeList attributes;
  std::string name;  // the activity's, redacted
  // What the lifecycle asks of the activity besides (bind_activity_spans.cpp): whether its
  // provider is an HTTP or a process one (whose call can carry the span's context), whether
  // it has a tolerance (a hypothesis' probe), whether it declares pauses.
  bool carries_context = false;
  bool has_tolerance = false;
  bool declares_pauses = false;
};

// _core.OpenSpans (bind_open_spans.cpp). GIL-protected.
struct PyOpenSpans {
  std::unordered_map<unsigned long, std::vector<nb::object>> by_thread;
  nb::object phase;
  nb::object experiment;

  // `span` is now the innermost open in `thread`; then no longer open.
  void open(unsigned long thread, nb::object span);
  void close(unsigned long thread, nb::handle span);
  // The innermost span open in `thread`, else the phase, else the experiment, else None.
  nb::handle current(unsigned long thread) const noexcept;
};

// Gives `into` (which must be cleared) the storage of the name and attributes of a span this
// thread ended earlier, when there is one (see BatchProcessor::on_end); recycle_span() gives
// a cleared span's name and attributes back, leaving them empty (up to a few spans: past them
// `span` keeps them).
void take_recycled_span(SpanData& into) noexcept;
void recycle_span(SpanData& span) noexcept;

nb::bytes trace_id_bytes(const TraceId& id);
// A child of `parent`: same trace and trace_state.
void continue_trace(SpanData& d, const SpanData& parent);
// Idempotent; end_time_ns 0 means now. keep_name: the ended span still answers its name.
void end_span(PySpan& self, std::uint64_t end_time_ns, bool keep_name);

// What an activity's span says (activity_content.cpp): the one mapping.
// Whether chaoslib skips the activity's provider call (--dry).
bool activity_is_dry(nb::handle activity, nb::handle experiment_dry);
// Its span's attributes; `redactor` is a chaostracing.content.Redactor, `encode` content.encode.
PyActivityAttributes activity_attributes(nb::handle activity, nb::handle redactor,
                                         std::size_t max_bytes, nb::handle experiment_dry,
                                         nb::handle encode, bool cicd);
// Its run's status and output set on `span`; the status ("" when none).
std::string record_activity_run(PySpan& span, nb::handle run, nb::handle redactor,
                                std::size_t max_bytes, nb::handle encode, bool cicd);

// Which attribute value type a Python object maps to.
enum class ValueKind { kStr, kBool, kInt, kFloat, kOther };

inline ValueKind value_kind(PyObject* o) {
  // bool before int: bool is a subclass of int in Python. float last: unlike int and str it
  // has no subclass flag, so checking a str against it would walk the str's MRO.
  if (PyBool_Check(o)) return ValueKind::kBool;
  if (PyLong_Check(o)) return ValueKind::kInt;
  if (PyUnicode_Check(o)) return ValueKind::kStr;
  if (PyFloat_Check(o)) return ValueKind::kFloat;
  return ValueKind::kOther;
}

// UTF-8 bytes of a str. Lone surrogates become '?' instead of raising, since span data must
// never make a hook fail.
std::string utf8(nb::handle str, const char* what);
// The same into `out`, reusing its storage.
void assign_utf8(std::string& out, nb::handle str, const char* what);
// The same, as an (interned) attribute key.
AttributeKey attribute_key(nb::handle str, const char* what);

AttributeValue to_attribute_value(nb::handle value, std::string_view key);
// A dict[str, object]; `what` names it in errors ("attributes", "resource").
AttributeList to_attributes(nb::handle mapping, const char* what);
// The same, set on `attributes` (OTel semantics: a key already there is replaced).
void add_attributes(AttributeList& attributes, nb::handle mapping, const char* what);

// OpenTelemetry API semantics (api_attributes.cpp): a value the SDK would drop is nullopt,
// never an exception; strings are redacted. A non-str or empty key is dropped too.
// add_api_attributes() takes any Mapping or None.
std::optional<AttributeValue> to_api_value(nb::handle value, const Redactor& redactor);
// `new_key`: the caller knows that `attributes` has no attribute with this key yet, so none
// is searched for.
void add_api_attribute(AttributeList& attributes, nb::handle key, nb::handle value,
                       const Redactor& redactor, bool new_key = false);
void add_api_attributes(AttributeList& attributes, nb::handle mapping, const Redactor& redactor);

// The other way (attribute_to_python.cpp): a value as Python holds it (sequences as lists).
nb::object attribute_value_to_python(const AttributeValue& value);
// The report of what a FileExporter kept (a _core.ReportData), or None when it did not keep
// all it wrote (bind_report.cpp).
nb::object written_report(WrittenSpans& written);

// Pipeline.close() (bind_closing.cpp): a _core.Closing.
nb::object close_pipeline(PyPipeline& pipeline, std::int64_t timeout_ms, std::string report,
                          std::string link);

void bind_span(nb::module_& m);
void bind_closing(nb::module_& m);
void bind_activity_content(nb::module_& m);
void bind_api(nb::module_& m);
void bind_redactor(nb::module_& m);
void bind_export(nb::module_& m);
void bind_config(nb::module_& m);
void bind_spool(nb::module_& m);
void bind_open_spans(nb::module_& m);
void bind_activity_spans(nb::module_& m);
void bind_propagation(nb::module_& m);
void bind_report(nb::module_& m);

}  // namespace chaostracing::bindings
