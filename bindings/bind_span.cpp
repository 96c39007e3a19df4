// SPDX-License-Identifier: Apache-2.0
// Pipeline (a BatchProcessor over one exporter) and Span (a handle that builds one SpanData
// and hands it to the pipeline when ended). Spans hold a reference to their Pipeline, so
// ending a span after the Pipeline's last other reference is gone is safe.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "bindings.hpp"
#include "chaostracing/batch_processor.hpp"
#include "chaostracing/clock.hpp"
#include "chaostracing/encode/otlp_json.hpp"
#include "chaostracing/encode/otlp_proto.hpp"
#include "chaostracing/ids.hpp"

namespace chaostracing::bindings {

void assign_utf8(std::string& out, nb::handle str, const char* what) {
  if (!PyUnicode_Check(str.ptr())) {
    throw nb::type_error(
        (std::string(what) + " must be str, not " + nb::type_name(str.type()).c_str()).c_str());
  }
  Py_ssize_t size = 0;
  if (const char* data = PyUnicode_AsUTF8AndSize(str.ptr(), &size)) {
    out.assign(data, static_cast<std::size_t>(size));
    return;
  }
  // Lone surrogates cannot be encoded: replace them ('?') rather than fail the caller.
  PyErr_Clear();
  nb::object encoded = nb::steal(PyUnicode_AsEncodedString(str.ptr(), "utf-8", "replace"));
  if (!encoded.is_valid()) throw nb::python_error();
  out.assign(PyBytes_AS_STRING(encoded.ptr()),
             static_cast<std::size_t>(PyBytes_GET_SIZE(encoded.ptr())));
}

std::string utf8(nb::handle str, const char* what) {
  std::string out;
  assign_utf8(out, str, what);
  return out;
}

namespace {

// What a span ended on this thread leaves for the next one: the storage of its name and of
// its attributes (keys and values, see AttributeList), which nearly every span fills again.
// Only these two are exchanged, not the whole SpanData: that costs several times more, for
// fields (trace_state, status_message, events) that are nearly always empty.
struct SpareStorage {
  std::string name;
  AttributeList attributes;
};

// Per thread, so that taking and giving back need no lock (the GIL may be released around
// on_end() one day, and free-threaded Python has none).
std::vector<SpareStorage>& spare_storage() {
  constexpr std::size_t kSpareSpans = 16;
  thread_local std::vector<SpareStorage> spare = [] {
    std::vector<SpareStorage> v;
    v.reserve(kSpareSpans);
    return v;
  }();
  return spare;
}

}  // namespace

void take_recycled_span(SpanData& into) noexcept {
  std::vector<SpareStorage>& spare = spare_storage();
  if (spare.empty()) return;
  SpareStorage& last = spare.back();
  into.name.swap(last.name);
  into.attributes.swap(last.attributes);
  spare.pop_back();
}

void recycle_span(SpanData& span) noexcept {
  std::vector<SpareStorage>& spare = spare_storage();
  if (spare.size() == spare.capacity()) return;
  SpareStorage& added = spare.emplace_back();
  added.name.swap(span.name);
  added.attributes.swap(span.attributes);
}

namespace {

// Attribute keys are nearly always the same str objects span after span (literals, which
// Python interns), so the interned key made from one is remembered by the object's address.
// Holding a reference to the str keeps its address from being reused by another. Direct-
// mapped; GIL-protected like every call into the bindings; never destroyed, since its
// references cannot be released after the interpreter has gone.
class KeysByObject {
 public:
  const AttributeKey* find(PyObject* str) const noexcept {
    const Entry& e = entries_[index(str)];
    return e.str == str ? &e.key : nullptr;
  }
  void remember(PyObject* str, const AttributeKey& key) {
    Entry& e = entries_[index(str)];
    e.key = key;
    Py_INCREF(str);
    Py_XDECREF(e.str);
    e.str = str;
  }

 private:
  static constexpr int kBits = 8;
  static std::size_t index(PyObject* str) noexcept {
    return static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(str) >> 4) *
                                    0x9E3779B97F4A7C15ULL) >>
           (64 - kBits);
  }
  struct Entry {
    PyObject* str = nullptr;
    AttributeKey key;
  };
  std::array<Entry, std::size_t{1} << kBits> entries_{};
};

KeysByObject& keys_by_object() {
  alignas(KeysByObject) static unsigned char storage[sizeof(KeysByObject)];
  static KeysByObject* const instance = ::new (static_cast<void*>(storage)) KeysByObject();
  return *instance;
}

}  // namespace

AttributeKey attribute_key(nb::handle str, const char* what) {
  KeysByObject& known = keys_by_object();
  if (const AttributeKey* key = known.find(str.ptr())) return *key;
  Py_ssize_t size = 0;
  // The str's cached UTF-8, straight into the interned key: no std::string in between.
  const char* data =
      PyUnicode_Check(str.ptr()) ? PyUnicode_AsUTF8AndSize(str.ptr(), &size) : nullptr;
  if (data != nullptr) {
    AttributeKey key(std::string_view(data, static_cast<std::size_t>(size)));
    // Only interned keys: copying one is copying a pointer.
    if (key.interned() && PyUnicode_CheckExact(str.ptr())) known.remember(str.ptr(), key);
    return key;
  }
  PyErr_Clear();
  return AttributeKey(utf8(str, what));  // raises for a non-str, replaces lone surrogates
}

namespace {

std::int64_t to_int64(PyObject* o, std::string_view key) {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow != 0) {
    throw std::overflow_error("attribute '" + std::string(key) +
                              "': int does not fit in a signed 64-bit integer");
  }
  if (v == -1 && PyErr_Occurred()) throw nb::python_error();
  return v;
}

[[noreturn]] void bad_value(nb::handle value, std::string_view key, const char* why) {
  throw nb::type_error(("attribute '" + std::string(key) + "': " + why + ", got " +
                        nb::type_name(value.type()).c_str())
                           .c_str());
}

template <typename T, typename Convert>
std::vector<T> convert_sequence(PyObject* seq, Convert convert) {
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) out.push_back(convert(items[i]));
  return out;
}

}  // namespace

AttributeValue to_attribute_value(nb::handle value, std::string_view key) {
  PyObject* o = value.ptr();
  switch (value_kind(o)) {
    case ValueKind::kBool:
      return o == Py_True;
    case ValueKind::kInt:
      return to_int64(o, key);
    case ValueKind::kFloat:
      return PyFloat_AS_DOUBLE(o);
    case ValueKind::kStr:
      return utf8(value, "attribute value");
    case ValueKind::kOther:
      break;
  }
  if (!PyList_Check(o) && !PyTuple_Check(o)) {
    bad_value(value, key,
              "value must be str, bool, int, float or a list/tuple of one of those types");
  }
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
  // OTel allows empty arrays; their element type is unknowable, so use strings.
  if (n == 0) return std::vector<std::string>{};
  PyObject** items = PySequence_Fast_ITEMS(o);
  const ValueKind first = value_kind(items[0]);
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (value_kind(items[i]) != first || first == ValueKind::kOther) {
      bad_value(nb::handle(items[i]), key,
                "a list/tuple value must hold only str, only bool, only int or only float");
    }
  }
  switch (first) {
    case ValueKind::kBool:
      return convert_sequence<bool>(o, [](PyObject* item) { return item == Py_True; });
    case ValueKind::kInt:
      return convert_sequence<std::int64_t>(o, [&](PyObject* item) { return to_int64(item, key); });
    case ValueKind::kFloat:
      return convert_sequence<double>(o, [](PyObject* item) { return PyFloat_AS_DOUBLE(item); });
    default:
      return convert_sequence<std::string>(
          o, [](PyObject* item) { return utf8(nb::handle(item), "attribute value"); });
  }
}

void add_attributes(AttributeList& attributes, nb::handle mapping, const char* what) {
  if (!PyDict_Check(mapping.ptr())) {
    throw nb::type_error(
        (std::string(what) + " must be a dict, not " + nb::type_name(mapping.type()).c_str())
            .c_str());
  }
  attributes.reserve(attributes.size() + static_cast<std::size_t>(PyDict_Size(mapping.ptr())));
  PyObject* key = nullptr;
  PyObject* value = nullptr;
  Py_ssize_t pos = 0;
  while (PyDict_Next(mapping.ptr(), &pos, &key, &value)) {
    // The hot path of every span: the error text is only built for a non-str key.
    AttributeKey k = PyUnicode_CheckExact(key)
                         ? attribute_key(nb::handle(key), "attribute key")
                         : attribute_key(nb::handle(key), (std::string(what) + " key").c_str());
    AttributeValue v = to_attribute_value(nb::handle(value), k);
    // Still a search: distinct keys can meet once lone surrogates are replaced.
    set_attribute(attributes, std::move(k), std::move(v));
  }
}

AttributeList to_attributes(nb::handle mapping, const char* what) {
  AttributeList attributes;
  add_attributes(attributes, mapping, what);
  return attributes;
}

nb::bytes trace_id_bytes(const TraceId& id) {
  return nb::bytes(reinterpret_cast<const char*>(id.data()), id.size());
}

// A child of `parent`: same trace and trace_state.
void continue_trace(SpanData& d, const SpanData& parent) {
  d.trace_id = parent.trace_id;
  d.parent_span_id = parent.span_id;
  d.trace_state = parent.trace_state;
}

void end_span(PySpan& self, std::uint64_t end_time_ns, bool keep_name) {
  if (self.ended) return;
  self.ended = true;
  self.data.end_time_unix_nano = end_time_ns != 0 ? end_time_ns : now_unix_nano();
  // Hand the span over, keeping what stays readable on the ended span: the scalars, the
  // trace_state its children continue, and the name when asked (a copy: an allocation).
  SpanData& d = self.data;
  const TraceId trace_id = d.trace_id;
  const SpanId span_id = d.span_id;
  const SpanId parent_span_id = d.parent_span_id;
  const std::uint32_t flags = d.flags;
  const SpanKind kind = d.kind;
  const std::uint64_t start = d.start_time_unix_nano;
  const std::uint64_t end = d.end_time_unix_nano;
  const StatusCode status = d.status_code;
  std::string trace_state = d.trace_state;
  std::string name = keep_name ? d.name : std::string();
  self.processor->on_end(std::move(d));  // leaves `d` cleared, often with storage to reuse
  recycle_span(d);                       // gives that storage to this thread's next span
  d.trace_id = trace_id;
  d.span_id = span_id;
  d.parent_span_id = parent_span_id;
  d.trace_state = std::move(trace_state);
  d.flags = flags;
  d.name = std::move(name);
  d.kind = kind;
  d.start_time_unix_nano = start;
  d.end_time_unix_nano = end;
  d.status_code = status;
}

namespace {

std::chrono::milliseconds to_millis(std::int64_t value, const char* name) {
  if (value < 0) {
    throw nb::value_error(
        (std::string(name) + " must not be negative, got " + std::to_string(value)).c_str());
  }
  return std::chrono::milliseconds(value);
}

std::size_t to_size(std::int64_t value, const char* name) {
  if (value <= 0) {
    throw nb::value_error(
        (std::string(name) + " must be positive, got " + std::to_string(value)).c_str());
  }
  return static_cast<std::size_t>(value);
}

void init_pipeline(PyPipeline* self, PyExporter& exporter, nb::dict resource, nb::str scope_name,
                   nb::str scope_version, std::int64_t max_queue_size,
                   std::int64_t max_export_batch_size, std::int64_t schedule_delay_ms,
                   std::int64_t export_timeout_ms, std::int64_t max_queue_bytes, PySpool* spool) {
  if (!exporter.exporter) {
    throw nb::value_error("this Exporter is already used by another Pipeline");
  }
  BatchOptions options{
      .max_queue_size = to_size(max_queue_size, "max_queue_size"),
      .max_export_batch_size = to_size(max_export_batch_size, "max_export_batch_size"),
      .schedule_delay = to_millis(schedule_delay_ms, "schedule_delay_ms"),
      .export_timeout = to_millis(export_timeout_ms, "export_timeout_ms"),
      .max_queue_bytes = to_size(max_queue_bytes, "max_queue_bytes"),
  };
  if (options.export_timeout.count() == 0)
    throw nb::value_error("export_timeout_ms must be positive");
  Resource res{to_attributes(resource, "resource")};
  Scope scope{utf8(scope_name, "scope_name"), utf8(scope_version, "scope_version")};
  // Everything that can fail is done: only now take the exporter over.
  std::shared_ptr<Spool> shared_spool = spool ? spool->spool : nullptr;
  auto processor = std::make_shared<BatchProcessor>(std::move(exporter.exporter), std::move(res),
                                                    std::move(scope), options, shared_spool);
  // nanobind's protocol for a custom __init__: construct in place in the Python object.
  new (self) PyPipeline{std::move(processor), std::move(shared_spool), exporter.memory,
                        exporter.written, exporter.description};
}

PySpan start_span(PyPipeline& self, nb::str name, PySpan* parent, std::optional<nb::bytes> trace_id,
                  std::uint64_t parent_span_id, nb::str trace_state, int kind,
                  std::uint64_t start_time_ns, nb::handle attributes) {
  PySpan span;
  span.owner = nb::find(self);
  span.processor = self.processor.get();
  take_recycled_span(span.data);
  SpanData& d = span.data;
  assign_utf8(d.name, name, "name");
  if (kind < 0 || kind > 5) {
    throw nb::value_error(("kind must be 0-5 (SPAN_KIND_*), got " + std::to_string(kind)).c_str());
  }
  d.kind = static_cast<SpanKind>(kind);
  if (parent != nullptr) {
    continue_trace(d, parent->data);
  } else if (trace_id) {
    if (trace_id->size() != d.trace_id.size()) {
      throw nb::value_error(
          ("trace_id must be 16 bytes, got " + std::to_string(trace_id->size())).c_str());
    }
    std::memcpy(d.trace_id.data(), trace_id->data(), d.trace_id.size());
    if (!is_valid_trace_id(d.trace_id)) throw nb::value_error("trace_id must not be all zeros");
    d.parent_span_id = parent_span_id;
  } else {
    d.trace_id = new_trace_id();
    d.parent_span_id = parent_span_id;
  }
  if (PyUnicode_GET_LENGTH(trace_state.ptr()) != 0) {
    d.trace_state = utf8(trace_state, "trace_state");
  }
  d.span_id = new_span_id();
  d.start_time_unix_nano = start_time_ns != 0 ? start_time_ns : now_unix_nano();
  if (nb::isinstance<PyActivityAttributes>(attributes)) {
    // Taken, not copied: they were made for this span.
    d.attributes.swap(nb::cast<PyActivityAttributes&>(attributes).attributes);
  } else if (!attributes.is_none()) {
    add_attributes(d.attributes, attributes, "attributes");
  }
  return span;
}

nb::dict stats_dict(const BatchStats& s) {
  nb::dict d;
  d["queued"] = s.queued;
  d["exported"] = s.exported;
  d["failed"] = s.failed;
  d["spooled"] = s.spooled;
  d["dropped"] = s.dropped;
  d["rejected"] = s.rejected;
  d["replayed"] = s.replayed;
  return d;
}

}  // namespace

void bind_span(nb::module_& m) {
  m.attr("SPAN_KIND_INTERNAL") = static_cast<int>(SpanKind::kInternal);
  m.attr("SPAN_KIND_SERVER") = static_cast<int>(SpanKind::kServer);
  m.attr("SPAN_KIND_CLIENT") = static_cast<int>(SpanKind::kClient);
  m.attr("SPAN_KIND_PRODUCER") = static_cast<int>(SpanKind::kProducer);
  m.attr("SPAN_KIND_CONSUMER") = static_cast<int>(SpanKind::kConsumer);
  m.attr("STATUS_UNSET") = static_cast<int>(StatusCode::kUnset);
  m.attr("STATUS_OK") = static_cast<int>(StatusCode::kOk);
  m.attr("STATUS_ERROR") = static_cast<int>(StatusCode::kError);

  nb::class_<PySpan>(m, "Span", "A span being recorded; end() hands it to its Pipeline.")
      .def_prop_ro("trace_id", [](const PySpan& s) { return trace_id_bytes(s.data.trace_id); })
      .def_prop_ro("span_id", [](const PySpan& s) { return s.data.span_id; })
      .def_prop_ro("parent_span_id", [](const PySpan& s) { return s.data.parent_span_id; })
      .def_prop_ro("trace_id_hex", [](const PySpan& s) { return trace_id_to_hex(s.data.trace_id); })
      .def_prop_ro("span_id_hex", [](const PySpan& s) { return span_id_to_hex(s.data.span_id); })
      .def_prop_ro("name", [](const PySpan& s) { return s.data.name; })
      .def_prop_ro("start_time_ns", [](const PySpan& s) { return s.data.start_time_unix_nano; })
      .def_prop_ro("end_time_ns", [](const PySpan& s) { return s.data.end_time_unix_nano; })
      .def_prop_ro("is_recording", [](const PySpan& s) { return !s.ended; })
      .def(
          "set_attribute",
          [](PySpan& s, nb::str key, nb::object value) {
            if (s.ended) return;
            AttributeKey k = attribute_key(key, "attribute key");
            AttributeValue v = to_attribute_value(value, k);
            s.data.set_attribute(std::move(k), std::move(v));
          },
          nb::arg("key"), nb::arg("value"))
      .def(
          "set_attributes",
          [](PySpan& s, nb::dict attributes) {
            if (s.ended) return;
            // Convert everything first so a bad value leaves the span unchanged.
            for (auto& a : to_attributes(attributes, "attributes")) {
              s.data.set_attribute(std::move(a.key), std::move(a.value));
            }
          },
          nb::arg("attributes"))
      .def(
          "add_event",
          [](PySpan& s, nb::str name, std::optional<nb::dict> attributes,
             std::uint64_t timestamp_ns) {
            if (s.ended) return;
            Event event{
                utf8(name, "event name"), timestamp_ns != 0 ? timestamp_ns : now_unix_nano(), {}};
            if (attributes) event.attributes = to_attributes(*attributes, "event attributes");
            s.data.events.push_back(std::move(event));
          },
          nb::arg("name"), nb::arg("attributes").none() = nb::none(), nb::arg("timestamp_ns") = 0)
      .def(
          "set_status",
          [](PySpan& s, int code, nb::str description) {
            if (code < 0 || code > 2) {
              throw nb::value_error(
                  ("status code must be 0, 1 or 2 (STATUS_*), got " + std::to_string(code))
                      .c_str());
            }
            std::string text = utf8(description, "description");
            // OTel: Unset never overrides, Ok is final, descriptions only go with Error.
            if (s.ended || code == 0 || s.data.status_code == StatusCode::kOk) return;
            s.data.status_code = static_cast<StatusCode>(code);
            s.data.status_message = code == 2 ? std::move(text) : std::string();
          },
          nb::arg("code"), nb::arg("description") = "")
      .def(
          "update_name",
          [](PySpan& s, nb::str name) {
            std::string n = utf8(name, "name");
            if (!s.ended) s.data.name = std::move(n);
          },
          nb::arg("name"))
      .def(
          "end", [](PySpan& s, std::uint64_t end_time_ns) { end_span(s, end_time_ns, true); },
          nb::arg("end_time_ns") = 0)
      .def("__repr__", [](const PySpan& s) {
        return "<chaostracing._core.Span '" + s.data.name +
               "' trace_id=" + trace_id_to_hex(s.data.trace_id) +
               " span_id=" + span_id_to_hex(s.data.span_id) + (s.ended ? " ended>" : ">");
      });

  nb::class_<PyPipeline>(m, "Pipeline", "Batches ended spans and exports them on a thread.")
      .def("__init__", &init_pipeline, nb::arg("exporter"), nb::kw_only(),
           nb::arg("resource") = nb::dict(), nb::arg("scope_name") = "chaostracing",
           nb::arg("scope_version") = "", nb::arg("max_queue_size") = 2048,
           nb::arg("max_export_batch_size") = 512, nb::arg("schedule_delay_ms") = 1000,
           nb::arg("export_timeout_ms") = 10000, nb::arg("max_queue_bytes") = 32 << 20,
           nb::arg("spool").none() = nb::none())
      .def("start_span", &start_span, nb::arg("name"), nb::kw_only(),
           nb::arg("parent").none() = nb::none(), nb::arg("trace_id").none() = nb::none(),
           nb::arg("parent_span_id") = 0, nb::arg("trace_state") = "", nb::arg("kind") = 1,
           nb::arg("start_time_ns") = 0, nb::arg("attributes").none() = nb::none())
      .def(
          "force_flush",
          [](PyPipeline& self, std::int64_t timeout_ms) {
            const auto timeout = to_millis(timeout_ms, "timeout_ms");
            nb::gil_scoped_release release;
            return self.processor->force_flush(timeout);
          },
          nb::arg("timeout_ms") = 30000)
      .def(
          "shutdown",
          [](PyPipeline& self, std::int64_t timeout_ms) {
            const auto timeout = to_millis(timeout_ms, "timeout_ms");
            nb::gil_scoped_release release;
            return self.processor->shutdown(timeout);
          },
          nb::arg("timeout_ms") = 30000)
      .def("close", &close_pipeline, nb::arg("timeout_ms") = 30000, nb::arg("report") = "",
           nb::arg("link") = "",
           "shutdown(timeout_ms) on a thread of its own, then, given a report path, the report\n"
           "of what the file exporter kept (file_exporter(keep_bytes=N)) written there, with\n"
           "`link` to the trace in a backend; returns a Closing at once.")
      .def("stats", [](const PyPipeline& self) { return stats_dict(self.processor->stats()); })
      .def("last_error", [](const PyPipeline& self) { return self.processor->last_error(); })
      .def("rejection_error",
           [](const PyPipeline& self) { return self.processor->rejection_error(); })
      .def("spool_error", [](const PyPipeline& self) { return self.processor->spool_error(); })
      .def("describe", [](const PyPipeline& self) { return self.description; })
      .def(
          "written_report",
          [](PyPipeline& self) -> nb::object {
            return self.written ? written_report(*self.written) : nb::none();
          },
          "The report (a ReportData) of what the file exporter wrote since the last call\n"
          "(file_exporter(keep_bytes=N)); None when it kept none or not all of it (more than\n"
          "N bytes written).")
      .def(
          "_take_encoded",
          [](PyPipeline& self, const std::string& kind, std::int64_t repeat) {
            if (!self.memory) {
              throw nb::value_error("_take_encoded() needs a Pipeline built on _memory_exporter()");
            }
            if (kind != "proto" && kind != "json") {
              throw nb::value_error(("kind must be 'proto' or 'json', got '" + kind + "'").c_str());
            }
            if (repeat < 1) throw nb::value_error("repeat must be at least 1");
            nb::list out;
            for (const auto& batch : self.memory->take()) {
              std::string encoded;
              // Benchmarks time repeat=R against repeat=1 to isolate the encoder's cost.
              for (std::int64_t i = 0; i < repeat; ++i) {
                encoded = kind == "proto"
                              ? encode_otlp_proto(batch.spans, batch.resource, batch.scope)
                              : encode_otlp_json(batch.spans, batch.resource, batch.scope);
              }
              out.append(nb::bytes(encoded.data(), encoded.size()));
            }
            return out;
          },
          nb::arg("kind") = "proto", nb::arg("repeat") = 1);
}

}  // namespace chaostracing::bindings
