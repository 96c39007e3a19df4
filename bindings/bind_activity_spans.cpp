// SPDX-License-Identifier: Apache-2.0
// _core.ActivitySpans: the activities' part of the one lifecycle (chaostracing.lifecycle),
// native because it runs twice for every activity of every traced run. chaostracing.oltp
// registers started() and finished() with chaoslib's run events as they are, so an activity
// costs a run no Python frame of ours; chaostracing.control's hooks call the same methods.
//
// It keeps the activity spans open by (thread, activity dict), the hypothesis open in each
// thread (an activity's parent, else the run's phase, else the experiment), and a
// hypothesis' probes, whose verdict chaoslib gives only with the hypothesis. What is rare
// stays in Python and is called back: a failed activity's exception, pause spans, the
// iteration of a continuous hypothesis that its first probe opens, carrying the span's
// context into HTTP and process calls (the injector, made at the first such activity: a run
// with none imports nothing for it), making the span current in OpenTelemetry's context.
//
// Only touched with the GIL held. A call back into Python can let another thread run in
// between, so no iterator into the state is kept across one; the state is keyed by thread,
// and a thread's entries change only in that thread (or all at once in clear()).
#include <nanobind/stl/string.h>

#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "chaostracing/clock.hpp"
#include "chaostracing/ids.hpp"

namespace chaostracing::bindings {
namespace {

bool given(const nb::object& o) { return o.is_valid() && !o.is_none(); }

const AttributeKey& end_cause_key() {
  static const AttributeKey key{"chaostoolkit.span.end_cause"};
  return key;
}

struct ActivityKey {
  unsigned long thread;
  PyObject* activity;
  bool operator==(const ActivityKey&) const = default;
};

struct ActivityKeyHash {
  std::size_t operator()(const ActivityKey& k) const noexcept {
    return std::hash<unsigned long>()(k.thread) * 31U ^ std::hash<const void*>()(k.activity);
  }
};

struct OpenActivity {
  nb::object span;
  // Held so that its address, the key, is not reused while the span is open.
  nb::object activity;
  // The same before-hook can fire twice for one activity (a control declared both globally
  // and in the experiment; both controls declared): one span, ended by the last after-hook.
  int depth = 1;
  // Started by a before-hook, which covers the pause before, rather than by a run event.
  bool by_hook = false;
  bool has_tolerance = false;    // a hypothesis' probe
  bool declares_pauses = false;  // as activity_attributes() found
  nb::object context_token;      // binder.attach()'s
  nb::object injected;           // injector.begin()'s
};

struct ParkedProbe {
  nb::object span;
  nb::object activity;
  std::uint64_t end_ns;
};

struct PyActivitySpans {
  // What spans are made with.
  nb::object pipeline;
  nb::object open_spans;  // _core.OpenSpans, shared with the lifecycle and the API
  nb::object redactor;    // chaostracing.content.Redactor
  std::size_t max_bytes = 4096;
  nb::object encode;  // chaostracing.content.encode
  bool cicd = false;
  // The caller's span (TRACEPARENT of a CI job), for an activity with no span above it.
  bool has_remote = false;
  TraceId remote_trace{};
  SpanId remote_span = 0;
  std::string remote_state;
  // Called back (each may be None).
  nb::object binder, make_injector, on_failure, on_pauses, open_iteration;
  nb::object injector;  // make_injector()'s, at the first activity that needs it
  // Told by the lifecycle.
  nb::object experiment_dry = nb::none();
  unsigned long main_thread = 0;  // 0: not known yet
  bool continuous_open = false;
  std::string cause;
  std::string first_trace_id;
  bool closed = false;  // clear() was called: the run has ended

  std::unordered_map<ActivityKey, OpenActivity, ActivityKeyHash> open;
  std::unordered_map<unsigned long, nb::object> hypothesis_of_thread;
  std::unordered_map<SpanId, std::vector<ParkedProbe>> parked;  // by hypothesis span id

  PyPipeline& pipe() const { return nb::cast<PyPipeline&>(pipeline); }
  PyOpenSpans& spans() const { return nb::cast<PyOpenSpans&>(open_spans); }

  nb::object hypothesis_in(unsigned long thread) const {
    auto it = hypothesis_of_thread.find(thread);
    return it != hypothesis_of_thread.end() ? it->second : nb::object();
  }

  // The parent in `thread` of an activity (`probe`: with a tolerance): its hypothesis, else
  // the phase, else the experiment; an invalid handle for none.
  nb::object parent_in(unsigned long thread, bool probe) {
    nb::object parent = hypothesis_in(thread);
    if (!parent.is_valid() && continuous_open && thread != main_thread && given(open_iteration) &&
        probe) {
      // Run events only (chaostracing.oltp): no hook opened this iteration of the continuous
      // hypothesis, so its first probe does; the iteration's event closes it.
      open_iteration();
      parent = hypothesis_in(thread);
    }
    if (parent.is_valid()) return parent;
    const PyOpenSpans& s = spans();
    if (given(s.phase)) return s.phase;
    if (given(s.experiment)) return s.experiment;
    return {};
  }

  nb::object start(PyActivityAttributes& attributes, const nb::object& parent) {
    PyPipeline& p = pipe();
    PySpan span;
    span.owner = pipeline;
    span.processor = p.processor.get();
    take_recycled_span(span.data);
    SpanData& d = span.data;
    d.name.assign("activity: ").append(attributes.name);
    d.kind = SpanKind::kInternal;
    if (parent.is_valid()) {
      continue_trace(d, nb::cast<PySpan&>(parent).data);
    } else if (has_remote) {
      d.trace_id = remote_trace;
      d.parent_span_id = remote_span;
      d.trace_state = remote_state;
    } else {
      d.trace_id = new_trace_id();
    }
    d.span_id = new_span_id();
    d.start_time_unix_nano = now_unix_nano();
    d.attributes.swap(attributes.attributes);  // made for this span
    if (first_trace_id.empty()) first_trace_id = trace_id_to_hex(d.trace_id);
    return nb::cast(std::move(span));
  }

  void started(nb::handle activity, bool by_hook) {
    if (closed) return;
    const unsigned long thread = PyThread_get_thread_ident();
    const ActivityKey key{thread, activity.ptr()};
    if (auto it = open.find(key); it != open.end()) {
      ++it->second.depth;
      return;
    }
    PyActivityAttributes attributes =
        activity_attributes(activity, redactor, max_bytes, experiment_dry, encode, cicd);
    const nb::object parent = parent_in(thread, attributes.has_tolerance);
    if (closed) return;  // the run ended meanwhile (a call back let another thread run)
    const bool carries_context = attributes.carries_context;
    OpenActivity entry;
    entry.span = start(attributes, parent);
    entry.activity = nb::borrow(activity);
    entry.by_hook = by_hook;
    entry.has_tolerance = attributes.has_tolerance;
    entry.declares_pauses = attributes.declares_pauses;
    const nb::object span = entry.span;
    spans().open(thread, span);
    open.insert_or_assign(key, std::move(entry));
    // From here on the span is where finished() and the end of the run find it, whatever
    // the calls below do: fail, or let another thread end the run.
    if (given(binder)) {
      nb::object token = binder.attr("attach")(span);
      if (auto it = open.find(key); it != open.end()) it->second.context_token = std::move(token);
    }
    if (given(make_injector) && carries_context) {
      if (!injector.is_valid()) injector = make_injector();
      nb::object injected = injector.attr("begin")(activity, span);
      if (auto it = open.find(key); it != open.end()) it->second.injected = std::move(injected);
    }
  }

  void finished(nb::handle activity, nb::handle run, bool by_hook) {
    const std::uint64_t now = now_unix_nano();
    const unsigned long thread = PyThread_get_thread_ident();
    auto it = open.find({thread, activity.ptr()});
    if (it == open.end() || --it->second.depth > 0) return;
    OpenActivity entry = std::move(it->second);
    open.erase(it);
    spans().close(thread, entry.span);
    // The span ends (or is kept for its hypothesis) whatever a call back does; the first
    // error is raised after.
    std::optional<nb::python_error> failure;
    auto guarded = [&failure](auto&& call) {
      try {
        call();
      } catch (nb::python_error& error) {
        if (!failure) failure.emplace(std::move(error));
      }
    };
    if (given(entry.context_token) && given(binder)) {
      guarded([&] { binder.attr("detach")(entry.context_token); });
    }
    if (given(entry.injected) && given(injector)) {
      guarded([&] { injector.attr("end")(entry.injected); });
    }
    const nb::object hypothesis = hypothesis_in(thread);
    auto& span = nb::cast<PySpan&>(entry.span);
    if (!run.is_none()) {
      guarded([&] {
        const std::string status =
            record_activity_run(span, run, redactor, max_bytes, encode, cicd);
        if (status == "failed" && given(on_failure)) on_failure(entry.span, run);
      });
      if ((entry.by_hook || by_hook) && entry.declares_pauses && given(on_pauses)) {
        guarded([&] { on_pauses(entry.span, activity, run, entry.by_hook, by_hook, now); });
      }
    } else if (!span.ended) {
      // chaoslib ran the after-hook without a result: the activity was cut short by an
      // interruption, not by a failure of its own.
      set_attribute(span.data.attributes, end_cause_key(),
                    cause.empty() ? std::string("activity_aborted") : cause);
    }
    if (hypothesis.is_valid() && entry.has_tolerance && !closed) {
      // Whether the probe held is known only when the hypothesis ends.
      parked[nb::cast<PySpan&>(hypothesis).data.span_id].push_back(
          {entry.span, nb::borrow(activity), now});
    } else {
      end_span(span, now, true);
    }
    if (failure) throw std::move(*failure);
  }

  nb::list hypothesis_closed(PySpan& hypothesis) {
    hypothesis_of_thread.erase(PyThread_get_thread_ident());
    nb::list probes;
    auto it = parked.find(hypothesis.data.span_id);
    if (it == parked.end()) return probes;
    std::vector<ParkedProbe> taken = std::move(it->second);
    parked.erase(it);
    for (ParkedProbe& p : taken) probes.append(nb::make_tuple(p.span, p.activity, p.end_ns));
    return probes;
  }

  nb::list clear() {
    closed = true;
    nb::list spans_left;
    for (auto& [key, entry] : open) spans_left.append(entry.span);
    for (auto& [id, probes] : parked) {
      for (ParkedProbe& p : probes) spans_left.append(p.span);
    }
    open.clear();
    parked.clear();
    hypothesis_of_thread.clear();
    return spans_left;
  }
};

// Cyclic GC support: the callbacks are the lifecycle's bound methods, and the lifecycle
// holds this object.
int activity_spans_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!nb::inst_ready(self)) return 0;
  const auto* a = nb::inst_ptr<PyActivitySpans>(self);
  for (const nb::object* o :
       {&a->pipeline, &a->open_spans, &a->redactor, &a->encode, &a->binder, &a->make_injector,
        &a->injector, &a->on_failure, &a->on_pauses, &a->open_iteration, &a->experiment_dry}) {
    Py_VISIT(o->ptr());
  }
  return 0;
}

int activity_spans_clear(PyObject* self) {
  auto* a = nb::inst_ptr<PyActivitySpans>(self);
  a->clear();  // and closed: nothing is started or finished without what is reset below
  for (nb::object* o : {&a->binder, &a->make_injector, &a->injector, &a->on_failure, &a->on_pauses,
                        &a->open_iteration, &a->encode, &a->redactor}) {
    o->reset();
  }
  return 0;
}

PyType_Slot activity_spans_slots[] = {
    {Py_tp_traverse, reinterpret_cast<void*>(activity_spans_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(activity_spans_clear)},
    {0, nullptr}};

void init_activity_spans(PyActivitySpans* self, nb::handle pipeline, nb::handle open_spans,
                         nb::handle redactor, std::int64_t max_value_bytes, nb::handle encode,
                         bool cicd, nb::handle remote_parent, nb::handle make_injector,
                         nb::handle on_failure, nb::handle on_pauses, nb::handle open_iteration) {
  if (!nb::isinstance<PyPipeline>(pipeline)) throw nb::type_error("pipeline must be a Pipeline");
  if (!nb::isinstance<PyOpenSpans>(open_spans)) {
    throw nb::type_error("open_spans must be an OpenSpans");
  }
  if (max_value_bytes <= 0) throw nb::value_error("max_value_bytes must be positive");
  auto* a = new (self) PyActivitySpans();
  a->pipeline = nb::borrow(pipeline);
  a->open_spans = nb::borrow(open_spans);
  a->redactor = nb::borrow(redactor);
  a->max_bytes = static_cast<std::size_t>(max_value_bytes);
  a->encode = nb::borrow(encode);
  a->cicd = cicd;
  if (!remote_parent.is_none()) {
    const nb::bytes trace_id(remote_parent.attr("trace_id"));
    if (trace_id.size() != a->remote_trace.size()) {
      throw nb::value_error("remote_parent.trace_id must be 16 bytes");
    }
    std::memcpy(a->remote_trace.data(), trace_id.c_str(), a->remote_trace.size());
    a->remote_span = nb::cast<SpanId>(remote_parent.attr("span_id"));
    a->remote_state = nb::cast<std::string>(remote_parent.attr("trace_state"));
    a->has_remote = true;
  }
  a->make_injector = nb::borrow(make_injector);
  a->on_failure = nb::borrow(on_failure);
  a->on_pauses = nb::borrow(on_pauses);
  a->open_iteration = nb::borrow(open_iteration);
}

}  // namespace

void bind_activity_spans(nb::module_& m) {
  nb::class_<PyActivitySpans>(m, "ActivitySpans",
                              "The activities' spans of one run (chaostracing.lifecycle).",
                              nb::type_slots(activity_spans_slots))
      .def("__init__", &init_activity_spans, nb::arg("pipeline"), nb::arg("open_spans"),
           nb::arg("redactor"), nb::arg("max_value_bytes"), nb::arg("encode"),
           nb::arg("cicd") = false, nb::kw_only(), nb::arg("remote_parent").none() = nb::none(),
           nb::arg("make_injector").none() = nb::none(), nb::arg("on_failure").none() = nb::none(),
           nb::arg("on_pauses").none() = nb::none(), nb::arg("open_iteration").none() = nb::none(),
           "Activity spans made on `pipeline`, their attributes as activity_attributes()\n"
           "says, open in `open_spans` while they run. `remote_parent` (trace_id, span_id,\n"
           "trace_state) is the parent of an activity with no span above it. Called back:\n"
           "make_injector() once, at the first HTTP or process activity, and the injector's\n"
           "begin(activity, span) for each and end(token) after it; on_failure(span, run) for a "
           "failed run; on_pauses(span, activity, run,\n"
           "started_by_hook, ended_by_hook, end_ns) for one that declares pauses and was\n"
           "started or ended by a hook; open_iteration() for a probe of a continuous\n"
           "hypothesis in a thread with no hypothesis open, which must open one there.")
      .def("started", &PyActivitySpans::started, nb::arg("activity"), nb::arg("by_hook") = false,
           "chaoslib starts `activity` in this thread: open its span (once for this thread and\n"
           "activity, however many times it is started).")
      .def("finished", &PyActivitySpans::finished, nb::arg("activity"), nb::arg("run").none(),
           nb::arg("by_hook") = false,
           "chaoslib finished `activity` with `run` (None: cut short): record the run and end\n"
           "the span, or keep it for hypothesis_closed() when it is a hypothesis' probe.")
      .def(
          "hypothesis_opened",
          [](PyActivitySpans& self, nb::object span) {
            nb::cast<PySpan&>(span);  // a TypeError for anything else
            self.hypothesis_of_thread[PyThread_get_thread_ident()] = std::move(span);
          },
          nb::arg("span"), "`span` is the hypothesis open in this thread.")
      .def(
          "hypothesis",
          [](const PyActivitySpans& self) -> nb::object {
            nb::object span = self.hypothesis_in(PyThread_get_thread_ident());
            return span.is_valid() ? span : nb::none();
          },
          "The hypothesis open in this thread, or None.")
      .def("hypothesis_closed", &PyActivitySpans::hypothesis_closed, nb::arg("span"),
           "This thread's hypothesis, `span`, ended: its probes, [(span, activity, end_ns)].")
      .def("clear", &PyActivitySpans::clear,
           "The run ends: forget every activity and hypothesis, and start no more spans;\n"
           "the spans still open or kept, not ended.")
      .def_prop_rw(
          "binder", [](const PyActivitySpans& self) { return self.binder; },
          [](PyActivitySpans& self, nb::object binder) { self.binder = std::move(binder); },
          nb::arg("binder").none(),
          "Makes each span current in a context while it is open (attach(span) → token,\n"
          "detach(token)), or None.")
      .def_prop_rw(
          "experiment_dry", [](const PyActivitySpans& self) { return self.experiment_dry; },
          [](PyActivitySpans& self, nb::object dry) { self.experiment_dry = std::move(dry); },
          nb::arg("dry").none(), "The experiment's dry mode (its \"dry\"), or None.")
      .def_rw("main_thread", &PyActivitySpans::main_thread,
              "The thread that runs the experiment (0: not known yet).")
      .def_rw("continuous_open", &PyActivitySpans::continuous_open,
              "Whether a continuous hypothesis runs.")
      .def_rw("cause", &PyActivitySpans::cause,
              "Why the run is being cut short (sigterm...), or \"\".")
      .def_ro("first_trace_id", &PyActivitySpans::first_trace_id,
              "The trace id (hex) of the first activity span, \"\" before it.");
}

}  // namespace chaostracing::bindings
