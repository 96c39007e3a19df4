// SPDX-License-Identifier: Apache-2.0
// Pipeline.written_spans(): what a file exporter wrote, handed to the run's report as Python
// values directly, in the shape chaostracing.trace_file reads from the file (ids as lower-case
// hex, "" for none; attributes as dicts; sequences as lists), so both give the same report.
#include <nanobind/stl/string.h>

#include <algorithm>
#include <string_view>
#include <type_traits>
#include <variant>

#include "bindings.hpp"
#include "chaostracing/ids.hpp"

namespace chaostracing::bindings {
namespace {

// Strings as the JSON writer would keep them readable: invalid UTF-8 replaced, not raised.
nb::str text(std::string_view value) {
  PyObject* decoded =
      PyUnicode_DecodeUTF8(value.data(), static_cast<Py_ssize_t>(value.size()), "replace");
  if (decoded == nullptr) throw nb::python_error();  // MemoryError
  return nb::steal<nb::str>(decoded);
}

nb::object scalar(const std::string& value) { return text(value); }
template <typename T>
nb::object scalar(const T& value) {
  return nb::cast(value);
}

nb::dict attributes(const AttributeList& list) {
  nb::dict out;
  for (const auto& attribute : list) {
    out[text(attribute.key.view())] = attribute_value_to_python(attribute.value);
  }
  return out;
}

std::string hex_or_empty(SpanId id) { return id == 0 ? std::string() : span_id_to_hex(id); }

std::string hex_or_empty(const TraceId& id) {
  for (const auto byte : id) {
    if (byte != 0) return trace_id_to_hex(id);
  }
  return {};
}

nb::tuple span_tuple(const SpanData& span, const nb::dict& resource, const nb::str& scope_name,
                     const nb::str& scope_version) {
  nb::list events;
  for (const auto& event : span.events) {
    events.append(
        nb::make_tuple(text(event.name), event.time_unix_nano, attributes(event.attributes)));
  }
  // An unended span (end 0) is shown as an instant, as the file reader does.
  const auto end = std::max(span.end_time_unix_nano, span.start_time_unix_nano);
  return nb::make_tuple(
      hex_or_empty(span.trace_id), hex_or_empty(span.span_id), hex_or_empty(span.parent_span_id),
      text(span.name), span.start_time_unix_nano, end, attributes(span.attributes),
      nb::tuple(events), static_cast<int>(span.status_code), text(span.status_message),
      static_cast<int>(span.kind), scope_name, scope_version, resource);
}

}  // namespace

nb::object attribute_value_to_python(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> nb::object {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                      std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          return scalar(v);
        } else {
          nb::list out;
          // static_cast: std::vector<bool> yields proxies.
          for (const auto& element : v) {
            out.append(scalar(static_cast<typename T::value_type>(element)));
          }
          return out;
        }
      },
      value);
}

nb::object written_spans_to_python(WrittenSpans& written) {
  auto batches = written.take();
  if (!batches) return nb::none();
  nb::list out;
  for (const auto& batch : *batches) {
    const nb::dict resource = attributes(batch.resource.attributes);
    const nb::str scope_name = text(batch.scope.name);
    const nb::str scope_version = text(batch.scope.version);
    for (const auto& span : batch.spans) {
      out.append(span_tuple(span, resource, scope_name, scope_version));
    }
  }
  return out;
}

}  // namespace chaostracing::bindings
