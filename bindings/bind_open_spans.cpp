// SPDX-License-Identifier: Apache-2.0
// _core.OpenSpans: the lifecycle's open spans, by the thread that opened them (innermost
// last), and the spans that stand for the run in a thread that has none open: the method or
// rollbacks, else the experiment. The native OpenTelemetry tracer asks it for the parent of
// every span an extension starts outside the lifecycle's context, so that answer must not
// cost a call into Python. Only touched with the GIL held, like the spans it holds.
#include <nanobind/stl/optional.h>

#include <algorithm>

#include "bindings.hpp"

namespace chaostracing::bindings {

void PyOpenSpans::open(unsigned long thread, nb::object span) {
  by_thread[thread].push_back(std::move(span));
}

void PyOpenSpans::close(unsigned long thread, nb::handle span) {
  auto it = by_thread.find(thread);
  if (it == by_thread.end()) return;
  std::vector<nb::object>& spans = it->second;
  // Spans usually end innermost first: search from the end.
  auto found =
      std::find_if(spans.rbegin(), spans.rend(), [&](const nb::object& s) { return s.is(span); });
  if (found != spans.rend()) spans.erase(std::next(found).base());
  if (spans.empty()) by_thread.erase(it);
}

nb::handle PyOpenSpans::current(unsigned long thread) const noexcept {
  auto it = by_thread.find(thread);
  if (it != by_thread.end() && !it->second.empty()) return it->second.back();
  if (phase.is_valid() && !phase.is_none()) return phase;
  if (experiment.is_valid() && !experiment.is_none()) return experiment;
  return nb::none();
}

void bind_open_spans(nb::module_& m) {
  nb::class_<PyOpenSpans>(m, "OpenSpans",
                          "The lifecycle's open spans by thread, and the run's phase and "
                          "experiment spans (the parents of spans started elsewhere).")
      .def(nb::init<>())
      .def(
          "open",
          [](PyOpenSpans& self, unsigned long thread, nb::object span) {
            self.open(thread, std::move(span));
          },
          nb::arg("thread"), nb::arg("span"), "`span` is now the innermost open in `thread`.")
      .def(
          "close",
          [](PyOpenSpans& self, unsigned long thread, nb::handle span) {
            self.close(thread, span);
          },
          nb::arg("thread"), nb::arg("span"), "`span` (opened in `thread`) is no longer open.")
      .def(
          "clear", [](PyOpenSpans& self) { self.by_thread.clear(); },
          "Forget every open span (the phase and experiment stay).")
      .def(
          "current",
          [](const PyOpenSpans& self, std::optional<unsigned long> thread) {
            return nb::borrow(self.current(thread ? *thread : PyThread_get_thread_ident()));
          },
          nb::arg("thread").none() = nb::none(),
          "The innermost span open in `thread` (default: this one), else the phase, else the "
          "experiment, else None.")
      .def_prop_rw(
          "phase",
          [](const PyOpenSpans& self) { return self.phase.is_valid() ? self.phase : nb::none(); },
          [](PyOpenSpans& self, nb::object span) { self.phase = std::move(span); },
          nb::arg("span").none(), "The method or rollbacks span, or None.")
      .def_prop_rw(
          "experiment",
          [](const PyOpenSpans& self) {
            return self.experiment.is_valid() ? self.experiment : nb::none();
          },
          [](PyOpenSpans& self, nb::object span) { self.experiment = std::move(span); },
          nb::arg("span").none(), "The experiment span, or None.");
}

}  // namespace chaostracing::bindings
