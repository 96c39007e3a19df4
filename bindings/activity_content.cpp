// SPDX-License-Identifier: Apache-2.0
// What an activity's span says: chaoslib's activity dict as OpenTelemetry attributes
// (_core.activity_attributes) and its run's result (_core.record_activity_run) — the one
// mapping, used for the spans of a run (bind_activity_spans.cpp) and of a trace rebuilt from
// a journal (chaostracing.content.activity_attributes() and run_attributes(), through
// _core.activity_run_attributes). Native because it runs
// for every activity of every traced run: read here from chaoslib's dicts straight into the
// span's attributes, rather than through a Python dict converted afterwards.
//
// Strings pass through the run's redactor. Outputs, arguments, tolerances and headers are
// JSON (chaostracing.content.encode, called back for anything but an int, float, bool or
// None, which it would write as json.dumps() does).
#include <nanobind/stl/string.h>

#include <string>
#include <string_view>

#include "bindings.hpp"
#include "chaostracing/report.hpp"

namespace chaostracing::bindings {
namespace {

// What content.encode() appends to a value cut at max_bytes.
constexpr std::string_view kTruncated = "\xE2\x80\xA6[truncated]";

// A str made and interned once, for the life of the process (like the interpreter's own
// identifiers): a dict lookup by it neither builds a str nor hashes one. Used under the GIL.
class Word {
 public:
  explicit constexpr Word(const char* text) : text_(text) {}
  PyObject* get() const {
    if (object_ == nullptr) {
      object_ = PyUnicode_InternFromString(text_);
      if (object_ == nullptr) throw nb::python_error();
    }
    return object_;
  }

 private:
  const char* text_;
  mutable PyObject* object_ = nullptr;
};

constinit Word kEmpty(""), kGet("GET"), kName("name"), kType("type"), kBackground("background"),
    kProvider("provider"), kModule("module"), kFunc("func"), kPath("path"), kMethod("method"),
    kUrl("url"), kHeaders("headers"), kTimeout("timeout"), kArguments("arguments"),
    kPauses("pauses"), kBefore("before"), kAfter("after"), kTolerance("tolerance"), kDry("dry"),
    kRef("ref"), kValue("value"), kUpper("upper"), kStatus("status"), kOutput("output");

// The attribute keys, interned once.
struct Keys {
  AttributeKey name{"chaostoolkit.activity.name"};
  AttributeKey type{"chaostoolkit.activity.type"};
  AttributeKey background{"chaostoolkit.activity.background"};
  AttributeKey provider_type{"chaostoolkit.activity.provider.type"};
  AttributeKey code_namespace{"code.namespace"};
  AttributeKey code_function{"code.function"};
  AttributeKey executable{"process.executable.path"};
  AttributeKey http_method{"http.request.method"};
  AttributeKey url{"url.full"};
  AttributeKey headers{"chaostoolkit.activity.provider.headers"};
  AttributeKey provider_timeout{"chaostoolkit.activity.provider.timeout"};
  AttributeKey arguments{"chaostoolkit.activity.arguments"};
  AttributeKey pause_before{"chaostoolkit.activity.pauses.before"};
  AttributeKey pause_after{"chaostoolkit.activity.pauses.after"};
  AttributeKey timeout{"chaostoolkit.activity.timeout"};
  AttributeKey tolerance{"chaostoolkit.activity.tolerance"};
  AttributeKey dry{"chaostoolkit.activity.dry"};
  AttributeKey ref{"chaostoolkit.activity.ref"};
  AttributeKey cicd_task{"cicd.pipeline.task.name"};
  AttributeKey status{"chaostoolkit.activity.status"};
  AttributeKey cicd_result{"cicd.pipeline.task.run.result"};
  AttributeKey output{"chaostoolkit.activity.output"};
};

const Keys& keys() {
  static const Keys k;
  return k;
}

// mapping.get(key, fallback): borrowed from a dict (chaoslib's are), else the method's answer.
nb::object get(nb::handle mapping, const Word& key, PyObject* fallback = Py_None) {
  if (PyDict_Check(mapping.ptr())) {
    PyObject* value = PyDict_GetItemWithError(mapping.ptr(), key.get());
    if (value == nullptr && PyErr_Occurred()) throw nb::python_error();
    return nb::borrow(value != nullptr ? value : fallback);
  }
  return mapping.attr("get")(nb::handle(key.get()), nb::handle(fallback));
}

bool is_mapping(nb::handle value) {
  if (PyDict_Check(value.ptr())) return true;
  if (value.is_none()) return false;  // without asking the Mapping ABC, which is slow
  static PyObject* const mapping_abc = [] {
    nb::object abc = nb::module_::import_("collections.abc").attr("Mapping");
    return abc.release().ptr();  // kept for the life of the process
  }();
  const int is = PyObject_IsInstance(value.ptr(), mapping_abc);
  if (is < 0) throw nb::python_error();
  return is == 1;
}

bool truthy(nb::handle value) {
  const int truth = PyObject_IsTrue(value.ptr());
  if (truth < 0) throw nb::python_error();
  return truth == 1;
}

// str(value), as UTF-8.
std::string text_of(nb::handle value) {
  if (PyUnicode_Check(value.ptr())) return utf8(value, "value");
  return utf8(nb::str(value), "value");
}

// float(value) of an int or float that is not a bool (what content keeps as a timeout).
bool number(nb::handle value, double& out) {
  PyObject* o = value.ptr();
  if (PyBool_Check(o) || !(PyLong_Check(o) || PyFloat_Check(o))) return false;
  out = PyFloat_AsDouble(o);  // OverflowError past a double, as float() raises
  if (out == -1.0 && PyErr_Occurred()) throw nb::python_error();
  return true;
}

bool is_text(nb::handle value, std::string_view text) {
  if (!PyUnicode_Check(value.ptr())) return false;
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
  if (data == nullptr) {
    PyErr_Clear();  // lone surrogates: not the text
    return false;
  }
  return std::string_view(data, static_cast<std::size_t>(size)) == text;
}

class Builder {
 public:
  Builder(nb::handle redactor, std::size_t max_bytes, nb::handle encode, AttributeList& out)
      : redactor_object_(redactor),
        redactor_(*nb::cast<PyRedactor&>(redactor.attr("native")).redactor),
        max_bytes_(max_bytes),
        encode_(encode),
        out_(out) {}

  // redactor.text(str(value))
  std::string redacted(nb::handle value) const {
    std::string text = text_of(value);
    redactor_.redact(text);
    return text;
  }
  void text(const AttributeKey& key, nb::handle value) { set(key, redacted(value)); }
  template <typename Value>
  void set(const AttributeKey& key, Value&& value) {
    set_attribute(out_, key, std::forward<Value>(value));
  }

  // encode(value, redactor, max_bytes): an int, float, bool or None as json.dumps() writes it,
  // anything else by calling content.encode().
  void json(const AttributeKey& key, nb::handle value) {
    std::string written;
    PyObject* o = value.ptr();
    if (Py_IS_TYPE(o, &PyLong_Type)) {
      written = text_of(nb::repr(value));
    } else if (o == Py_True || o == Py_False) {
      written = o == Py_True ? "true" : "false";
    } else if (o == Py_None) {
      written = "null";
    } else if (Py_IS_TYPE(o, &PyFloat_Type)) {
      // repr(), or NaN/Infinity: as the report shows a float, and as json.dumps() writes it.
      written = report_value(AttributeValue(PyFloat_AS_DOUBLE(o))).text;
    } else {
      set(key, utf8(encode_(value, redactor_object_, max_bytes_), "encoded value"));
      return;
    }
    if (written.size() > max_bytes_) {  // ASCII: cut where encode() cuts
      written.resize(max_bytes_);
      written.append(kTruncated);
    }
    set(key, std::move(written));
  }

  // The provider's attributes; its type.
  std::string provider(nb::handle provider) {
    const Keys& k = keys();
    std::string kind = text_of(get(provider, kType, kEmpty.get()));
    set(k.provider_type, kind);
    if (kind == "python") {
      set(k.code_namespace, text_of(get(provider, kModule, kEmpty.get())));
      set(k.code_function, text_of(get(provider, kFunc, kEmpty.get())));
    } else if (kind == "process") {
      text(k.executable, get(provider, kPath, kEmpty.get()));
    } else if (kind == "http") {
      const nb::str method(get(provider, kMethod, kGet.get()));
      set(k.http_method, text_of(method.attr(nb::handle(kUpper.get()))()));
      text(k.url, get(provider, kUrl, kEmpty.get()));
      const nb::object headers = get(provider, kHeaders);
      if (is_mapping(headers) && truthy(headers)) json(k.headers, headers);
    }
    double timeout = 0;
    if (number(get(provider, kTimeout), timeout)) set(k.provider_timeout, timeout);
    const nb::object arguments = get(provider, kArguments);
    if (truthy(arguments)) json(k.arguments, arguments);
    return kind;
  }

 private:
  nb::handle redactor_object_;  // chaostracing.content.Redactor, for encode()
  const Redactor& redactor_;
  std::size_t max_bytes_;
  nb::handle encode_;
  AttributeList& out_;
};

}  // namespace

bool activity_is_dry(nb::handle activity, nb::handle experiment_dry) {
  nb::object dry = get(activity, kDry, experiment_dry.ptr());
  // chaoslib's Dry enum by its value; a str or None has none to look up.
  if (!dry.is_none() && !PyUnicode_Check(dry.ptr()) && !PyBool_Check(dry.ptr())) {
    dry = nb::getattr(dry, nb::handle(kValue.get()), dry);
  }
  const std::string mode = truthy(dry) ? text_of(dry) : std::string();
  if (mode == "activities") return true;
  if (mode != "actions" && mode != "probes") return false;
  return is_text(get(activity, kType), mode == "actions" ? "action" : "probe");
}

namespace {

bool has_tolerance(nb::handle activity) {
  const int has = PySequence_Contains(activity.ptr(), kTolerance.get());
  if (has < 0) throw nb::python_error();
  return has == 1;
}

}  // namespace

PyActivityAttributes activity_attributes(nb::handle activity, nb::handle redactor,
                                         std::size_t max_bytes, nb::handle experiment_dry,
                                         nb::handle encode, bool cicd) {
  const Keys& k = keys();
  PyActivityAttributes result;
  result.attributes.reserve(12);
  Builder b(redactor, max_bytes, encode, result.attributes);
  result.name = b.redacted(get(activity, kName, kEmpty.get()));
  b.set(k.name, std::string_view(result.name));
  b.set(k.type, text_of(get(activity, kType, kEmpty.get())));
  b.set(k.background, truthy(get(activity, kBackground)));
  const nb::object provider = get(activity, kProvider);
  if (is_mapping(provider)) {
    const std::string kind = b.provider(provider);
    result.carries_context = kind == "http" || kind == "process";
  }
  const nb::object pauses = get(activity, kPauses);
  if (is_mapping(pauses)) {
    result.declares_pauses = truthy(pauses);
    if (const nb::object before = get(pauses, kBefore); !before.is_none()) {
      b.text(k.pause_before, before);
    }
    if (const nb::object after = get(pauses, kAfter); !after.is_none()) {
      b.text(k.pause_after, after);
    }
  }
  double timeout = 0;
  if (number(get(activity, kTimeout), timeout)) b.set(k.timeout, timeout);
  result.has_tolerance = has_tolerance(activity);
  if (result.has_tolerance) b.json(k.tolerance, activity[nb::handle(kTolerance.get())]);
  if (activity_is_dry(activity, experiment_dry)) b.set(k.dry, true);
  const nb::object ref = get(activity, kRef);
  if (truthy(ref)) b.set(k.ref, text_of(ref));
  if (cicd) b.set(k.cicd_task, std::string_view(result.name));
  return result;
}

namespace {

std::string run_status(nb::handle run) {
  const nb::object status = get(run, kStatus);
  return truthy(status) ? text_of(status) : std::string();
}

// What a run's span says of its result, added to `out`; the run's status.
std::string add_run_attributes(AttributeList& out, nb::handle run, nb::handle redactor,
                               std::size_t max_bytes, nb::handle encode, bool cicd) {
  const Keys& k = keys();
  std::string status = run_status(run);
  Builder b(redactor, max_bytes, encode, out);
  b.set(k.status, std::string_view(status));
  if (cicd) b.set(k.cicd_result, std::string_view(status == "succeeded" ? "success" : "failure"));
  if (const nb::object output = get(run, kOutput); !output.is_none()) b.json(k.output, output);
  return status;
}

}  // namespace

// The run's status, set on the span with its output; "" when it has none.
std::string record_activity_run(PySpan& span, nb::handle run, nb::handle redactor,
                                std::size_t max_bytes, nb::handle encode, bool cicd) {
  if (span.ended) return run_status(run);
  return add_run_attributes(span.data.attributes, run, redactor, max_bytes, encode, cicd);
}

void bind_activity_content(nb::module_& m) {
  nb::class_<PyActivityAttributes>(m, "ActivityAttributes",
                                   "An activity's span attributes (activity_attributes()).")
      .def_ro("name", &PyActivityAttributes::name, "The activity's name, redacted.")
      .def(
          "as_dict",
          [](const PyActivityAttributes& self) {
            nb::dict out;
            for (const auto& a : self.attributes) {
              out[nb::str(a.key.data(), a.key.size())] = attribute_value_to_python(a.value);
            }
            return out;
          },
          "The attributes as a dict, in order.");
  m.def("activity_attributes", &activity_attributes, nb::arg("activity"), nb::arg("redactor"),
        nb::arg("max_value_bytes"), nb::arg("experiment_dry").none(), nb::arg("encode"),
        nb::arg("cicd") = false,
        "The attributes of the span of chaoslib's `activity`, for Pipeline.start_span(), which\n"
        "takes them: strings through `redactor` (chaostracing.content.Redactor), JSON values\n"
        "by encode(value, redactor, max_value_bytes) unless an int, float, bool or None; with\n"
        "`cicd`, the OpenTelemetry cicd.pipeline.task.name too.");
  m.def("record_activity_run", &record_activity_run, nb::arg("span"), nb::arg("run"),
        nb::arg("redactor"), nb::arg("max_value_bytes"), nb::arg("encode"), nb::arg("cicd") = false,
        "Set what chaoslib's `run` of the span's activity says on `span` — its status, its\n"
        "output as encode() writes it, and with `cicd` the OpenTelemetry\n"
        "cicd.pipeline.task.run.result — and return the status (\"\" when it has none).");
  m.def(
      "activity_run_attributes",
      [](nb::handle run, nb::handle redactor, std::size_t max_bytes, nb::handle encode, bool cicd) {
        PyActivityAttributes result;
        add_run_attributes(result.attributes, run, redactor, max_bytes, encode, cicd);
        return result;
      },
      nb::arg("run"), nb::arg("redactor"), nb::arg("max_value_bytes"), nb::arg("encode"),
      nb::arg("cicd") = false,
      "What record_activity_run() sets on a span, as ActivityAttributes (for traces rebuilt\n"
      "from a journal, whose spans are not made here).");
  m.def("activity_is_dry", &activity_is_dry, nb::arg("activity"), nb::arg("experiment_dry").none(),
        "Whether chaoslib skips this activity's provider call (--dry).");
}

}  // namespace chaostracing::bindings
