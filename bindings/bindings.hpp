// SPDX-License-Identifier: Apache-2.0
// Private to the bindings: the Python-side wrapper types shared between bind_*.cpp files and
// the Python → C++ value conversions. All functions raise Python exceptions (TypeError,
// OverflowError, ValueError) through nanobind; none lets a C++ exception escape unconverted.
#pragma once

#include <nanobind/nanobind.h>

#include <memory>
#include <string>
#include <vector>

#include "chaostracing/exporter.hpp"
#include "chaostracing/memory_exporter.hpp"
#include "chaostracing/span.hpp"
#include "chaostracing/spool.hpp"

namespace chaostracing::bindings {

namespace nb = nanobind;

// An exporter built in Python but not yet owned by a Pipeline (which moves it out).
struct PyExporter {
  std::unique_ptr<Exporter> exporter;
  std::string description;
  std::shared_ptr<ExportedBatches> memory;  // set for _memory_exporter() only
};

// A spool opened from Python; shared with the Pipelines that write to it.
struct PySpool {
  std::shared_ptr<Spool> spool;
};

// UTF-8 bytes of a str. Lone surrogates become '?' instead of raising, since span data must
// never make a hook fail.
std::string utf8(nb::handle str, const char* what);

AttributeValue to_attribute_value(nb::handle value, std::string_view key);
// A dict[str, object]; `what` names it in errors ("attributes", "resource").
std::vector<Attribute> to_attributes(nb::handle mapping, const char* what);

void bind_span(nb::module_& m);
void bind_export(nb::module_& m);
void bind_config(nb::module_& m);
void bind_spool(nb::module_& m);
void bind_propagation(nb::module_& m);

}  // namespace chaostracing::bindings
