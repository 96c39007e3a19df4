// SPDX-License-Identifier: Apache-2.0
// The OpenTelemetry API's Tracer and Span, native, so that a span another extension (or an
// instrumented HTTP client) makes costs a core call instead of a Python Tracer, a Python
// wrapper and a context manager written in Python around each span.
//
// _core.ApiSpan is a _core.Span with the API's method names and its lenient semantics: nothing
// an extension passes raises (what the SDK would drop is dropped), and every string is
// redacted. _core.ApiTracer makes them for whichever run is active (set_api_run). The API only
// checks isinstance() against its abstract Tracer and Span, so chaostracing.otel registers both
// classes as virtual subclasses. The API itself is imported on first use, never when _core is.
#include <nanobind/stl/string.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <string>

#include "bindings.hpp"
#include "chaostracing/clock.hpp"
#include "chaostracing/ids.hpp"

namespace chaostracing::bindings {
namespace {

// The API's objects called from here: imported once, kept alive by _core._api_refs.
struct ApiRefs {
  PyObject* get_current_span = nullptr;
  PyObject* set_span_in_context = nullptr;
  PyObject* attach = nullptr;
  PyObject* detach = nullptr;
  PyObject* span_context = nullptr;  // the SpanContext class
  PyObject* sampled = nullptr;       // TraceFlags(SAMPLED)
  PyObject* internal = nullptr;      // SpanKind.INTERNAL
  PyObject* invalid_span = nullptr;  // INVALID_SPAN
  PyObject* format_exception = nullptr;
  PyObject* decorate = nullptr;  // chaostracing.otel.tracer.decorate  // With the API's default
                                 // runtime context (a ContextVar holding a Context, a dict), the
  // four context calls above are done here directly, without their Python frames; these are
  // null with any other runtime context (OTEL_PYTHON_CONTEXT), which is then called.
  PyObject* context_var = nullptr;   // the ContextVar of ContextVarsRuntimeContext
  PyObject* span_key = nullptr;      // the Context key of the current span
  PyObject* context_type = nullptr;  // Context
};

// The run the API's spans belong to: borrowed, kept alive by _core._api_run (`refs`, the
// tuple of the three, which each span references while it lives).
struct ApiRun {
  nb::handle refs;
  PyPipeline* pipeline = nullptr;
  PyRedactor* redactor = nullptr;
  PyOpenSpans* open_spans = nullptr;  // the lifecycle's spans, for spans started outside them
};

// Only touched with the GIL held, like every Python object.
ApiRefs& api_refs() {
  static ApiRefs refs;
  return refs;
}

ApiRun& api_run() {
  static ApiRun run;
  return run;
}

nb::handle core_module() {
  static nb::handle module;
  if (!module.is_valid()) module = nb::module_::import_("chaostracing._core").release();
  return module;
}

const ApiRefs& api() {
  ApiRefs& refs = api_refs();
  if (refs.get_current_span != nullptr) return refs;
  nb::module_ trace = nb::module_::import_("opentelemetry.trace");
  nb::module_ context = nb::module_::import_("opentelemetry.context");
  nb::object sampled = trace.attr("TraceFlags")(trace.attr("TraceFlags").attr("SAMPLED"));
  nb::object runtime = context.attr("_RUNTIME_CONTEXT");
  nb::object context_var = nb::getattr(runtime, "_current_context", nb::none());
  nb::object span_key =
      nb::getattr(nb::module_::import_("opentelemetry.trace.propagation"), "_SPAN_KEY", nb::none());
  const bool direct = runtime.type().attr("__name__").equal(nb::str("ContextVarsRuntimeContext")) &&
                      PyContextVar_CheckExact(context_var.ptr()) && PyUnicode_Check(span_key.ptr());
  nb::tuple keep =
      nb::make_tuple(trace.attr("get_current_span"), trace.attr("set_span_in_context"),
                     context.attr("attach"), context.attr("detach"), trace.attr("SpanContext"),
                     sampled, trace.attr("SpanKind").attr("INTERNAL"), trace.attr("INVALID_SPAN"),
                     nb::module_::import_("traceback").attr("format_exception"),
                     nb::module_::import_("chaostracing.otel.tracer").attr("decorate"), context_var,
                     span_key, context.attr("Context"));
  core_module().attr("_api_refs") = keep;
  PyObject** items = &PyTuple_GET_ITEM(keep.ptr(), 0);
  refs = ApiRefs{items[0], items[1], items[2], items[3],  items[4],  items[5], items[6],
                 items[7], items[8], items[9], items[10], items[11], items[12]};
  if (!direct) refs.context_var = refs.span_key = refs.context_type = nullptr;
  return refs;
}

struct PyApiSpan : PySpan {
  const Redactor* redactor = nullptr;  // kept alive by `owner`, the run
  nb::object context;                  // its SpanContext, made on the first get_span_context()
};

// A lifecycle span (an activity...) as the API sees it while it is the current span: the same
// methods as ApiSpan, over a _core.Span the lifecycle owns and ends.
struct PyApiSpanView {
  nb::object core;  // the _core.Span
  PySpan* span = nullptr;
  std::shared_ptr<const Redactor> redactor;
  nb::object context;
};

PySpan& core_of(PyApiSpan& s) { return s; }
PySpan& core_of(PyApiSpanView& s) { return *s.span; }

// An API span's name is not read once it ended (a copy would cost an allocation per span); a
// lifecycle span's still is.
void end_api_span(PyApiSpan& s, std::uint64_t end_time_ns) { end_span(s, end_time_ns, false); }
void end_api_span(PyApiSpanView& s, std::uint64_t end_time_ns) {
  end_span(*s.span, end_time_ns, true);
}

struct PyApiTracer {
  std::string scope;
};

constexpr std::uint32_t kPooledApiSpans = 64;

// The Python types of the native spans, looked up once: nanobind's nb::type<T>(),
// nb::isinstance<T>() and nb::cast<T&>() search its table of types at each call (about 100
// instructions), and these run several times for every span.
struct NativeTypes {
  nb::handle api_span;
  nb::handle api_span_view;
  nb::handle span;
};

const NativeTypes& native_types() {
  static const NativeTypes types{nb::type<PyApiSpan>(), nb::type<PyApiSpanView>(),
                                 nb::type<PySpan>()};
  return types;
}

// `o`'s T when `o` is an instance of `type` (T's Python type) or of a subclass, else nullptr.
template <typename T>
T* native_as(nb::handle o, nb::handle type) noexcept {
  return PyObject_TypeCheck(o.ptr(), reinterpret_cast<PyTypeObject*>(type.ptr()))
             ? nb::inst_ptr<T>(o)
             : nullptr;
}

// start_as_current_span()'s context manager and decorator, as the API's use_span() behaves:
// the span starts on entry, an Exception (not a BaseException such as GeneratorExit) is
// recorded and re-raised, and as a decorator each call makes a span of its own.
struct PyCurrentSpan {
  nb::object tracer, name, context, kind, attributes, links, start_time;
  bool record_exception = true;
  bool set_status_on_exception = true;
  bool end_on_exit = true;
  nb::object span, token;
};

void assign_text(std::string& text, nb::handle value, const Redactor& redactor) {
  text.clear();
  if (PyUnicode_Check(value.ptr())) {
    assign_utf8(text, value, "name");
  } else if (!value.is_none()) {
    nb::object str = nb::steal(PyObject_Str(value.ptr()));
    if (str.is_valid()) {
      assign_utf8(text, str, "name");
    } else {
      PyErr_Clear();
    }
  }
  redactor.redact(text);
}

std::string text_of(nb::handle value, const Redactor& redactor) {
  std::string text;
  assign_text(text, value, redactor);
  return text;
}

// An optional int timestamp in nanoseconds; anything else means now.
std::uint64_t time_or_now(nb::handle value) {
  if (PyLong_Check(value.ptr())) {
    const unsigned long long v = PyLong_AsUnsignedLongLong(value.ptr());
    if (!PyErr_Occurred() && v != 0) return v;
    PyErr_Clear();
  }
  return now_unix_nano();
}

SpanKind kind_of(nb::handle kind, const ApiRefs& refs) {
  if (kind.is_none() || kind.ptr() == refs.internal) return SpanKind::kInternal;
  // The API's SpanKind values are OTLP's minus one (INTERNAL = 0 ... CONSUMER = 4).
  nb::object value = nb::steal(PyObject_GetAttrString(kind.ptr(), "value"));
  if (!value.is_valid() || !PyLong_Check(value.ptr())) {
    PyErr_Clear();
    return SpanKind::kInternal;
  }
  const long v = PyLong_AsLong(value.ptr());
  if (PyErr_Occurred()) PyErr_Clear();
  return v >= 0 && v <= 4 ? static_cast<SpanKind>(v + 1) : SpanKind::kInternal;
}

// The API's get_current(): the Context in effect (a new reference).
nb::object current_context(const ApiRefs& refs) {
  PyObject* value = nullptr;
  if (PyContextVar_Get(refs.context_var, nullptr, &value) != 0) throw nb::python_error();
  if (value == nullptr) return nb::steal(PyObject_CallNoArgs(refs.context_type));
  return nb::steal(value);
}

// The API's get_current_span(context): the span the Context holds, or INVALID_SPAN.
nb::object current_span(nb::handle context, const ApiRefs& refs) {
  if (refs.context_var == nullptr) {
    nb::object span = nb::steal(PyObject_CallOneArg(refs.get_current_span, context.ptr()));
    if (!span.is_valid()) throw nb::python_error();
    return span;
  }
  nb::object holder = context.is_none() ? current_context(refs) : nb::borrow(context);
  if (!PyDict_Check(holder.ptr())) return nb::borrow(refs.invalid_span);
  PyObject* span = PyDict_GetItemWithError(holder.ptr(), refs.span_key);
  if (span == nullptr) {
    if (PyErr_Occurred()) throw nb::python_error();
    return nb::borrow(refs.invalid_span);
  }
  return nb::borrow(span);
}

// The API's attach(set_span_in_context(span)): returns the token for detach().
nb::object attach_span(nb::handle span, const ApiRefs& refs) {
  if (refs.context_var == nullptr) {
    nb::object context = nb::steal(PyObject_CallOneArg(refs.set_span_in_context, span.ptr()));
    if (!context.is_valid()) throw nb::python_error();
    nb::object token = nb::steal(PyObject_CallOneArg(refs.attach, context.ptr()));
    if (!token.is_valid()) throw nb::python_error();
    return token;
  }
  nb::object values = nb::steal(PyDict_Copy(current_context(refs).ptr()));
  if (!values.is_valid() || PyDict_SetItem(values.ptr(), refs.span_key, span.ptr()) != 0) {
    throw nb::python_error();
  }
  nb::object context = nb::steal(PyObject_CallOneArg(refs.context_type, values.ptr()));
  if (!context.is_valid()) throw nb::python_error();
  nb::object token = nb::steal(PyContextVar_Set(refs.context_var, context.ptr()));
  if (!token.is_valid()) throw nb::python_error();
  return token;
}

// The API's detach(token). A token of another context cannot be undone; like the API, the
// caller is not made to fail for it.
void detach_token(nb::handle token, const ApiRefs& refs) {
  if (refs.context_var == nullptr) {
    nb::object done = nb::steal(PyObject_CallOneArg(refs.detach, token.ptr()));
    if (!done.is_valid()) PyErr_Clear();  // the API logs a failed detach itself
    return;
  }
  if (PyContextVar_Reset(refs.context_var, token.ptr()) != 0) PyErr_Clear();
}

// The (trace_id, span_id, trace_state) of a valid SpanContext, into `d` as its parent.
bool link_remote(SpanData& d, nb::handle span_context) {
  try {
    if (!nb::cast<bool>(span_context.attr("is_valid"))) return false;
    nb::bytes id = nb::borrow<nb::bytes>(span_context.attr("trace_id").attr("to_bytes")(16, "big"));
    std::memcpy(d.trace_id.data(), id.c_str(), d.trace_id.size());
    d.parent_span_id = nb::cast<std::uint64_t>(span_context.attr("span_id"));
    nb::object state = span_context.attr("trace_state").attr("to_header")();
    if (PyUnicode_Check(state.ptr())) d.trace_state = utf8(state, "trace_state");
    return is_valid_trace_id(d.trace_id);
  } catch (const nb::python_error&) {
    return false;  // not the API's SpanContext after all: a new trace
  } catch (const nb::cast_error&) {
    return false;
  }
}

// Makes `d` a child of the API context's current span, else of the lifecycle's span of this
// thread, else the root of a new trace.
void link_parent(SpanData& d, nb::handle context, const ApiRefs& refs, const ApiRun& run) {
  nb::object parent = current_span(context, refs);
  const NativeTypes& types = native_types();
  if (const auto* api_span = native_as<PyApiSpan>(parent, types.api_span)) {
    continue_trace(d, api_span->data);
    return;
  }
  // A lifecycle span, made current.
  if (const auto* view = native_as<PyApiSpanView>(parent, types.api_span_view)) {
    continue_trace(d, view->span->data);
    return;
  }
  if (parent.ptr() != refs.invalid_span) {
    nb::object remote = nb::steal(PyObject_CallMethod(parent.ptr(), "get_span_context", nullptr));
    if (remote.is_valid() && link_remote(d, remote)) return;
    PyErr_Clear();
  }
  d.trace_state.clear();
  d.parent_span_id = 0;
  if (run.open_spans != nullptr) {
    nb::handle current = run.open_spans->current(PyThread_get_thread_ident());
    if (const auto* span = native_as<PySpan>(current, types.span)) {
      continue_trace(d, span->data);
      return;
    }
  }
  d.trace_id = new_trace_id();
}

// Links are not part of the core's span model yet: the reference is kept as an event.
void add_link_event(PySpan& s, nb::handle context) {
  if (s.ended) return;
  SpanData linked;
  if (!link_remote(linked, context)) return;
  s.data.events.push_back(Event{"link",
                                now_unix_nano(),
                                {{"link.trace_id", trace_id_to_hex(linked.trace_id)},
                                 {"link.span_id", span_id_to_hex(linked.parent_span_id)}}});
}

nb::object start_span(const PyApiTracer& tracer, nb::handle name, nb::handle context,
                      nb::handle kind, nb::handle attributes, nb::handle links,
                      nb::handle start_time) {
  const ApiRefs& refs = api();
  const ApiRun& run = api_run();
  if (run.pipeline == nullptr) return nb::borrow(refs.invalid_span);
  // Made in place in its Python object: a SpanData is too big to build here and move there.
  nb::object result = nb::inst_alloc(native_types().api_span);
  PyApiSpan& span = *::new (nb::inst_ptr<PyApiSpan>(result)) PyApiSpan();
  nb::inst_mark_ready(result);
  span.owner = nb::borrow(run.refs);
  span.processor = run.pipeline->processor.get();
  span.redactor = run.redactor->redactor.get();
  take_recycled_span(span.data);
  const Redactor& r = *span.redactor;
  SpanData& d = span.data;
  assign_text(d.name, name, r);
  d.kind = kind_of(kind, refs);
  link_parent(d, context, refs, run);
  d.span_id = new_span_id();
  d.start_time_unix_nano = time_or_now(start_time);
  if (PyDict_Check(attributes.ptr())) {
    d.attributes.reserve(static_cast<std::size_t>(PyDict_GET_SIZE(attributes.ptr())) + 1);
  }
  add_api_attributes(d.attributes, attributes, r);
  if (!tracer.scope.empty()) {
    // Interned once: the search is then a pointer comparison per attribute. One the caller
    // set is kept.
    static const AttributeKey kScopeKey("otel.scope.name");
    const std::size_t before = d.attributes.size();
    Attribute& scope = attribute_slot(d.attributes, kScopeKey);
    if (d.attributes.size() > before) assign_string(scope.value, tracer.scope);
  }
  if (!links.is_none()) {
    nb::object iterator = nb::steal(PyObject_GetIter(links.ptr()));
    if (!iterator.is_valid()) PyErr_Clear();
    while (iterator.is_valid()) {
      nb::object link = nb::steal(PyIter_Next(iterator.ptr()));
      if (!link.is_valid()) {
        PyErr_Clear();
        break;
      }
      if (nb::hasattr(link, "context")) add_link_event(span, link.attr("context"));
    }
  }
  return result;
}

// start_span() for the API's callers, who must never see it raise: whatever went wrong (a
// raising Mapping, no memory), the caller gets INVALID_SPAN and goes on.
nb::object start_span_or_invalid(const PyApiTracer& tracer, nb::handle name, nb::handle context,
                                 nb::handle kind, nb::handle attributes, nb::handle links,
                                 nb::handle start_time) {
  try {
    return start_span(tracer, name, context, kind, attributes, links, start_time);
  } catch (const nb::python_error&) {  // NOLINT(bugprone-empty-catch): the contract above
  } catch (const std::exception&) {    // NOLINT(bugprone-empty-catch)
  }
  return nb::borrow(api().invalid_span);
}

template <typename S>
nb::object span_context(S& self) {
  const PySpan& s = core_of(self);
  if (!self.context.is_valid()) {
    const ApiRefs& refs = api();
    nb::object trace_id = nb::steal(PyLong_FromUnsignedLongLong(0));
    for (std::uint8_t byte : s.data.trace_id) {
      trace_id = nb::steal(PyNumber_Lshift(trace_id.ptr(), nb::int_(8).ptr()));
      trace_id = nb::steal(PyNumber_Or(trace_id.ptr(), nb::int_(byte).ptr()));
    }
    self.context = nb::handle(refs.span_context)(
        nb::arg("trace_id") = trace_id, nb::arg("span_id") = s.data.span_id,
        nb::arg("is_remote") = false, nb::arg("trace_flags") = nb::handle(refs.sampled));
  }
  return self.context;
}

template <typename S>
void set_status(S& self, nb::handle status, nb::handle description) {
  PySpan& s = core_of(self);
  nb::object code = nb::borrow(status);
  nb::object text = nb::borrow(description);
  if (nb::hasattr(status, "status_code")) {  // a Status, else a StatusCode
    code = status.attr("status_code");
    text = status.attr("description");
  }
  long value = 0;
  try {
    value = nb::cast<long>(code.attr("value"));
  } catch (const std::exception&) {
    return;  // not a StatusCode: nothing the API would record
  }
  if (s.ended || value <= 0 || value > 2 || s.data.status_code == StatusCode::kOk) return;
  // OTel: Unset never overrides, Ok is final, descriptions only go with Error.
  s.data.status_code = static_cast<StatusCode>(value);
  s.data.status_message = value == 2 ? text_of(text, *self.redactor) : std::string();
}

template <typename S>
void add_event(S& self, nb::handle name, nb::handle attributes, nb::handle timestamp) {
  PySpan& s = core_of(self);
  if (s.ended) return;
  Event event{text_of(name, *self.redactor), time_or_now(timestamp), {}};
  add_api_attributes(event.attributes, attributes, *self.redactor);
  s.data.events.push_back(std::move(event));
}

template <typename S>
void record_exception(S& self, nb::handle exception, nb::handle attributes, nb::handle timestamp,
                      bool escaped) {
  if (core_of(self).ended) return;
  const ApiRefs& refs = api();
  nb::handle type = nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(exception.ptr())));
  nb::object lines =
      nb::handle(refs.format_exception)(type, exception, exception.attr("__traceback__"));
  nb::dict event;
  event["exception.type"] = type.attr("__qualname__");
  event["exception.message"] = nb::str(exception);
  event["exception.stacktrace"] = nb::str("").attr("join")(lines);
  event["exception.escaped"] = escaped ? "True" : "False";
  if (!attributes.is_none()) {
    if (PyDict_Merge(event.ptr(), attributes.ptr(), 1) != 0) PyErr_Clear();
  }
  add_event(self, nb::str("exception"), event, timestamp);
}

nb::object enter_current(PyCurrentSpan& self) {
  const ApiRefs& refs = api();
  // Only ApiTracer.start_as_current_span() makes a CurrentSpan: its tracer is an ApiTracer.
  self.span =
      start_span_or_invalid(*nb::inst_ptr<PyApiTracer>(self.tracer), self.name, self.context,
                            self.kind, self.attributes, self.links, self.start_time);
  try {
    self.token = attach_span(self.span, refs);
  } catch (const nb::python_error&) {
    self.token = nb::object();  // the span is not current, the block still runs
  }
  return self.span;
}

// Never raises: the with-block's own exception, if any, is what propagates.
void exit_current(PyCurrentSpan& self, nb::handle exception) {
  const ApiRefs& refs = api();
  nb::object span = std::move(self.span);
  nb::object token = std::move(self.token);
  if (token.is_valid()) detach_token(token, refs);
  if (!span.is_valid()) return;  // __exit__ without __enter__
  auto* native = native_as<PyApiSpan>(span, native_types().api_span);
  if (native == nullptr) {  // INVALID_SPAN: no run
    if (self.end_on_exit && PyObject_CallMethod(span.ptr(), "end", nullptr) == nullptr) {
      PyErr_Clear();
    }
    return;
  }
  PyApiSpan& s = *native;
  if (PyObject_IsInstance(exception.ptr(), PyExc_Exception) == 1 && !s.ended) {
    try {
      if (self.record_exception) record_exception(s, exception, nb::none(), nb::none(), false);
      if (self.set_status_on_exception && s.data.status_code != StatusCode::kOk) {
        nb::object text = nb::str("{}: {}").attr("format")(
            nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(exception.ptr()))).attr("__name__"),
            exception);
        s.data.status_code = StatusCode::kError;
        s.data.status_message = text_of(text, *s.redactor);
      }
    } catch (const nb::python_error&) {
      // An exception that cannot be formatted (a raising __str__): the span ends without it.
    }
  }
  if (self.end_on_exit) end_api_span(s, 0);
}

// The API's Span methods, for ApiSpan and ApiSpanView alike.
template <typename S, typename... Extra>
void bind_span_methods(nb::class_<S, Extra...> cls) {
  cls.def("get_span_context", &span_context<S>)
      .def("is_recording", [](S& s) { return !core_of(s).ended; })
      .def(
          "set_attribute",
          [](S& s, nb::handle key, nb::handle value) {
            PySpan& span = core_of(s);
            if (!span.ended) add_api_attribute(span.data.attributes, key, value, *s.redactor);
          },
          nb::arg("key"), nb::arg("value").none())
      .def(
          "set_attributes",
          [](S& s, nb::handle attributes) {
            PySpan& span = core_of(s);
            if (!span.ended) add_api_attributes(span.data.attributes, attributes, *s.redactor);
          },
          nb::arg("attributes").none())
      .def("add_event", &add_event<S>, nb::arg("name"), nb::arg("attributes").none() = nb::none(),
           nb::arg("timestamp").none() = nb::none())
      .def(
          "add_link",
          [](S& s, nb::handle context, nb::handle) { add_link_event(core_of(s), context); },
          nb::arg("context"), nb::arg("attributes").none() = nb::none())
      .def(
          "update_name",
          [](S& s, nb::handle name) {
            PySpan& span = core_of(s);
            if (!span.ended) span.data.name = text_of(name, *s.redactor);
          },
          nb::arg("name"))
      .def("set_status", &set_status<S>, nb::arg("status"),
           nb::arg("description").none() = nb::none())
      .def("record_exception", &record_exception<S>, nb::arg("exception"),
           nb::arg("attributes").none() = nb::none(), nb::arg("timestamp").none() = nb::none(),
           nb::arg("escaped") = false)
      .def(
          "end",
          [](S& s, nb::handle end_time) {
            PySpan& span = core_of(s);
            if (!span.ended) end_api_span(s, end_time.is_none() ? 0 : time_or_now(end_time));
          },
          nb::arg("end_time").none() = nb::none())
      .def("__enter__", [](nb::handle self) { return nb::borrow(self); })
      .def(
          "__exit__", [](S& s, nb::handle, nb::handle, nb::handle) { end_api_span(s, 0); },
          nb::arg("exc_type").none(), nb::arg("exc").none(), nb::arg("tb").none());
}

// ApiTracer.start_span() and start_as_current_span() run for every span an extension makes,
// nearly always with keyword arguments, which nanobind matches by comparing names (about 600
// instructions a call in callgrind). These two take their arguments as CPython's
// METH_FASTCALL | METH_KEYWORDS methods do instead, matching a keyword by identity first: the
// names in a caller's code are interned, like the ones here.
constexpr std::array<const char*, 9> kSpanArgNames = {"name",
                                                      "context",
                                                      "kind",
                                                      "attributes",
                                                      "links",
                                                      "start_time",
                                                      "record_exception",
                                                      "set_status_on_exception",
                                                      "end_on_exit"};

std::span<PyObject* const> span_arg_names() {
  static const std::array<PyObject*, kSpanArgNames.size()> names = [] {
    std::array<PyObject*, kSpanArgNames.size()> out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = PyUnicode_InternFromString(kSpanArgNames[i]);  // never released
      if (out[i] == nullptr) throw nb::python_error();
    }
    return out;
  }();
  return names;
}

// Fills `out` (nullptr: not given) from a vectorcall's arguments, for a function taking
// out.size() of the names above, the first required. False with a TypeError set.
bool parse_span_args(const char* function, PyObject* const* args, Py_ssize_t nargs,
                     PyObject* kwnames, std::span<PyObject*> out) {
  const std::span<PyObject* const> names = span_arg_names().first(out.size());
  if (nargs > static_cast<Py_ssize_t>(out.size())) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %zd positional arguments (%zd given)",
                 function, static_cast<Py_ssize_t>(out.size()), nargs);
    return false;
  }
  std::copy(args, args + nargs, out.begin());
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t k = 0; k < nkw; ++k) {
    PyObject* key = PyTuple_GET_ITEM(kwnames, k);
    auto it = std::find(names.begin(), names.end(), key);
    if (it == names.end()) {
      it = std::find_if(names.begin(), names.end(),
                        [&](PyObject* name) { return PyUnicode_Compare(name, key) == 0; });
      PyErr_Clear();  // a non-str keyword cannot be compared: it is unexpected
    }
    if (it == names.end()) {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%S'", function, key);
      return false;
    }
    PyObject*& slot = out[static_cast<std::size_t>(it - names.begin())];
    if (slot != nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%S'", function, key);
      return false;
    }
    slot = args[nargs + k];
  }
  if (out[0] == nullptr) {
    PyErr_Format(PyExc_TypeError, "%s() missing required argument 'name'", function);
    return false;
  }
  return true;
}

nb::handle given_or_none(PyObject* argument) {
  return argument != nullptr ? nb::handle(argument) : nb::none();
}

// An optional flag: true unless given and false (the API's defaults are all true).
bool flag_or_true(PyObject* argument) {
  if (argument == nullptr) return true;
  const int truth = PyObject_IsTrue(argument);
  if (truth < 0) PyErr_Clear();
  return truth != 0;
}

// For a CPython entry point: `make`'s object (invalid: a Python error is set), or nullptr with
// the Python error a C++ exception stands for.
template <typename Make>
PyObject* python_result(Make&& make) noexcept {
  try {
    return make().release().ptr();
  } catch (nb::python_error& e) {
    e.restore();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

PyObject* api_tracer_start_span(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                                PyObject* kwnames) noexcept {
  return python_result([&] {
    std::array<PyObject*, 8> a{};
    if (!parse_span_args("start_span", args, nargs, kwnames, a)) return nb::object();
    return start_span_or_invalid(*nb::inst_ptr<PyApiTracer>(self), given_or_none(a[0]),
                                 given_or_none(a[1]), given_or_none(a[2]), given_or_none(a[3]),
                                 given_or_none(a[4]), given_or_none(a[5]));
  });
}

PyObject* api_tracer_start_as_current_span(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                                           PyObject* kwnames) noexcept {
  return python_result([&] {
    std::array<PyObject*, 9> a{};
    if (!parse_span_args("start_as_current_span", args, nargs, kwnames, a)) return nb::object();
    return nb::cast(PyCurrentSpan{
        nb::borrow(self), nb::borrow(given_or_none(a[0])), nb::borrow(given_or_none(a[1])),
        nb::borrow(given_or_none(a[2])), nb::borrow(given_or_none(a[3])),
        nb::borrow(given_or_none(a[4])), nb::borrow(given_or_none(a[5])), flag_or_true(a[6]),
        flag_or_true(a[7]), flag_or_true(a[8]), nb::object(), nb::object()});
  });
}

// Adds `def` to `type` as a method (`def` must outlive the type).
void add_fast_method(nb::handle type, PyMethodDef& def) {
  nb::object method =
      nb::steal(PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(type.ptr()), &def));
  if (!method.is_valid()) throw nb::python_error();
  nb::setattr(type, def.ml_name, method);
}

}  // namespace

void bind_api(nb::module_& m) {
  // Not a _core.Span subclass in Python: the API's names (is_recording, set_status...) differ
  // from the lifecycle's in meaning.
  bind_span_methods(
      // Pooled (and so is CurrentSpan): a dead ApiSpan object is kept (destructed) for the next
      // span, which then needs neither an allocation nor nanobind's registration of a new
      // instance.
      nb::class_<PyApiSpan>(m, "ApiSpan",
                            "A span made through the OpenTelemetry API (its Span interface).",
                            nb::pooled(kPooledApiSpans))
          .def("__repr__", [](const PyApiSpan& s) {
            // The name is handed over with the span at its end.
            return "<chaostracing._core.ApiSpan " + (s.ended ? "" : "'" + s.data.name + "' ") +
                   "span_id=" + span_id_to_hex(s.data.span_id) + (s.ended ? " ended>" : ">");
          }));
  bind_span_methods(
      nb::class_<PyApiSpanView>(m, "ApiSpanView",
                                "A lifecycle span (an activity...) as the OpenTelemetry API "
                                "sees it while it is the current span.")
          .def(
              "__init__",
              [](PyApiSpanView* self, nb::handle span, const PyRedactor& redactor) {
                new (self) PyApiSpanView{nb::borrow(span), &nb::cast<PySpan&>(span),
                                         redactor.redactor, nb::object()};
              },
              nb::arg("span"), nb::arg("redactor"))
          .def_prop_ro("core", [](const PyApiSpanView& v) { return v.core; }));

  nb::class_<PyApiTracer>(m, "ApiTracer", "The OpenTelemetry API's Tracer over the active run.")
      .def(
          "__init__",
          [](PyApiTracer* self, nb::str scope) { new (self) PyApiTracer{utf8(scope, "scope")}; },
          nb::arg("scope_name"));
  static PyMethodDef start_span_def{
      "start_span",
      reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&api_tracer_start_span)),
      METH_FASTCALL | METH_KEYWORDS,
      "start_span(name, context=None, kind=None, attributes=None, links=None, start_time=None, "
      "record_exception=True, set_status_on_exception=True)"};
  static PyMethodDef start_as_current_span_def{
      "start_as_current_span",
      reinterpret_cast<PyCFunction>(
          reinterpret_cast<void (*)()>(&api_tracer_start_as_current_span)),
      METH_FASTCALL | METH_KEYWORDS,
      "start_as_current_span(name, context=None, kind=None, attributes=None, links=None, "
      "start_time=None, record_exception=True, set_status_on_exception=True, end_on_exit=True)"};
  add_fast_method(nb::type<PyApiTracer>(), start_span_def);
  add_fast_method(nb::type<PyApiTracer>(), start_as_current_span_def);

  nb::class_<PyCurrentSpan>(m, "CurrentSpan",
                            "start_as_current_span()'s context manager and decorator.",
                            nb::pooled(kPooledApiSpans))
      .def("__enter__", &enter_current)
      .def(
          "__exit__",
          [](PyCurrentSpan& self, nb::handle, nb::handle exception, nb::handle) {
            exit_current(self, exception);
          },
          nb::arg("exc_type").none(), nb::arg("exc").none(), nb::arg("tb").none())
      .def("_fresh",
           [](const PyCurrentSpan& self) {
             PyCurrentSpan copy = self;
             copy.span = nb::object();
             copy.token = nb::object();
             return copy;
           })
      .def("__call__", [](nb::handle self, nb::handle function) {
        return nb::handle(api().decorate)(self, function);
      });

  m.def(
      "set_api_run",
      [](nb::handle pipeline, nb::handle redactor, nb::handle open_spans) {
        ApiRun& run = api_run();
        nb::handle module = core_module();
        if (pipeline.is_none()) {
          run = ApiRun{};
          module.attr("_api_run") = nb::none();
          return;
        }
        nb::tuple refs = nb::make_tuple(pipeline, redactor, open_spans);
        ApiRun next{refs, nb::cast<PyPipeline*>(pipeline), nb::cast<PyRedactor*>(redactor),
                    open_spans.is_none() ? nullptr : nb::cast<PyOpenSpans*>(open_spans)};
        module.attr("_api_run") = refs;
        run = next;
      },
      nb::arg("pipeline").none(), nb::arg("redactor").none(), nb::arg("open_spans").none(),
      "The run whose pipeline and redactor ApiTracer's spans use (None: no run, INVALID_SPAN).");
}

}  // namespace chaostracing::bindings
