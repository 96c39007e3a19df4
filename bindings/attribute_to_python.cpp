// SPDX-License-Identifier: Apache-2.0
// Attribute values back to Python, as the OpenTelemetry API's spans hold them (sequences as
// lists; invalid UTF-8 replaced, not raised).
#include <nanobind/stl/string.h>

#include <string_view>
#include <type_traits>
#include <variant>

#include "bindings.hpp"

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

}  // namespace chaostracing::bindings
