// SPDX-License-Identifier: Apache-2.0
// _core.Redactor: the core's Redactor, shared by the Python content module (lifecycle
// attributes, journal entries) and the OpenTelemetry API spans, so both redact alike.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"

namespace chaostracing::bindings {

void bind_redactor(nb::module_& m) {
  m.attr("REDACTED") = nb::str(Redactor::kMarker.data(), Redactor::kMarker.size());
  nb::class_<PyRedactor>(m, "Redactor", "Replaces secret values inside strings.")
      .def(
          "__init__",
          [](PyRedactor* self, const std::vector<std::string>& secrets) {
            new (self) PyRedactor{std::make_shared<const Redactor>(secrets)};
          },
          nb::arg("secrets") = std::vector<std::string>{})
      .def_prop_ro("empty", [](const PyRedactor& r) { return r.redactor->empty(); })
      .def(
          "text",
          [](const PyRedactor& r, nb::str value) -> nb::object {
            if (r.redactor->empty()) return value;
            std::string text = utf8(value, "value");
            if (!r.redactor->redact(text)) return value;
            return nb::str(text.data(), text.size());
          },
          nb::arg("value"))
      .def(
          "clean",
          [](const PyRedactor& r, nb::handle value) -> nb::object {
            auto v = to_api_value(value, *r.redactor);
            return v ? attribute_value_to_python(*v) : nb::none();
          },
          nb::arg("value").none(),
          "An attribute value as the OpenTelemetry API spans keep it (strings redacted,\n"
          "sequences as lists), or None where the SDK would drop it.");
}

}  // namespace chaostracing::bindings
