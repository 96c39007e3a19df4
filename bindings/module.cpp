// SPDX-License-Identifier: Apache-2.0
// chaostracing._core: only defines the module and delegates to the bind_* functions.
#include <nanobind/stl/string_view.h>

#include "bindings.hpp"
#include "chaostracing/version.hpp"

NB_MODULE(_core, m) {
  namespace nb = nanobind;
  using namespace chaostracing::bindings;
  // Pipelines held in module globals are often still alive at interpreter exit; nanobind's
  // leak report would then print to every `chaos run`'s stderr for no actionable reason.
  nb::set_leak_warnings(false);
  m.doc() = "Native core of chaostracing: spans, batching and OTLP export (private API).";
  m.attr("__version__") = nb::str(chaostracing::version().data(), chaostracing::version().size());
  bind_redactor(m);
  bind_export(m);
  bind_span(m);
  bind_closing(m);
  bind_activity_content(m);
  bind_api(m);
  bind_config(m);
  bind_spool(m);
  bind_open_spans(m);
  bind_activity_spans(m);
  bind_propagation(m);
  bind_report(m);
}
