// SPDX-License-Identifier: Apache-2.0
// Attribute values as the OpenTelemetry API takes them from any extension: what the SDK would
// drop (None, dicts, mixed lists, a non-str key, an int past 64 bits) is dropped here too
// instead of raising into the caller, and every string is redacted on the way in. The
// lifecycle's own spans use the strict to_attributes() of bind_span.cpp instead.
#include "bindings.hpp"

namespace chaostracing::bindings {

namespace {

std::optional<std::int64_t> int64_of(PyObject* o) {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow != 0 || (v == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    return std::nullopt;
  }
  return v;
}

std::string redacted_text(PyObject* o, const Redactor& redactor) {
  std::string text = utf8(nb::handle(o), "attribute value");
  redactor.redact(text);
  return text;
}

std::optional<AttributeValue> sequence_value(PyObject* o, const Redactor& redactor) {
  // Any sequence but text and bytes, as the API's type hints allow (list, tuple, range...).
  if (PyBytes_Check(o) || PyByteArray_Check(o) || !PySequence_Check(o)) return std::nullopt;
  nb::object fast = nb::steal(PySequence_Fast(o, ""));
  if (!fast.is_valid()) {
    PyErr_Clear();
    return std::nullopt;
  }
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
  PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
  if (n == 0) return std::vector<std::string>{};
  const ValueKind first = value_kind(items[0]);
  if (first == ValueKind::kOther) return std::nullopt;
  for (Py_ssize_t i = 1; i < n; ++i) {
    if (value_kind(items[i]) != first) return std::nullopt;
  }
  const auto size = static_cast<std::size_t>(n);
  switch (first) {
    case ValueKind::kBool: {
      std::vector<bool> out(size);
      for (std::size_t i = 0; i < size; ++i) out[i] = items[i] == Py_True;
      return out;
    }
    case ValueKind::kInt: {
      std::vector<std::int64_t> out(size);
      for (std::size_t i = 0; i < size; ++i) {
        const auto v = int64_of(items[i]);
        if (!v) return std::nullopt;
        out[i] = *v;
      }
      return out;
    }
    case ValueKind::kFloat: {
      std::vector<double> out(size);
      for (std::size_t i = 0; i < size; ++i) out[i] = PyFloat_AS_DOUBLE(items[i]);
      return out;
    }
    default: {
      std::vector<std::string> out;
      out.reserve(size);
      for (std::size_t i = 0; i < size; ++i) out.push_back(redacted_text(items[i], redactor));
      return out;
    }
  }
}

// Writes the API value of `value` into `out`, reusing the storage of what `out` holds; false,
// leaving `out` as it was, for a value the SDK would drop.
bool assign_api_value(AttributeValue& out, nb::handle value, const Redactor& redactor) {
  PyObject* o = value.ptr();
  switch (value_kind(o)) {
    case ValueKind::kBool:
      out = o == Py_True;
      return true;
    case ValueKind::kInt:
      if (auto v = int64_of(o)) {
        out = *v;
        return true;
      }
      return false;
    case ValueKind::kFloat:
      out = PyFloat_AS_DOUBLE(o);
      return true;
    case ValueKind::kStr: {
      std::string& text = held_as<std::string>(out);
      assign_utf8(text, value, "attribute value");
      redactor.redact(text);
      return true;
    }
    case ValueKind::kOther:
      break;
  }
  auto v = sequence_value(o, redactor);
  if (v) out = std::move(*v);
  return v.has_value();
}

}  // namespace

void add_api_attribute(AttributeList& attributes, nb::handle key, nb::handle value,
                       const Redactor& redactor, bool new_key) {
  if (!PyUnicode_Check(key.ptr()) || PyUnicode_GET_LENGTH(key.ptr()) == 0) return;
  // Straight into the attribute (this runs for every attribute of every span an extension
  // makes); one appended for a value that is then dropped is taken back.
  const std::size_t before = attributes.size();
  const AttributeKey interned = attribute_key(key, "attribute key");
  Attribute& attribute =
      new_key ? appended_attribute(attributes, interned) : attribute_slot(attributes, interned);
  if (!assign_api_value(attribute.value, value, redactor) && attributes.size() > before) {
    attributes.pop_back();
  }
}

std::optional<AttributeValue> to_api_value(nb::handle value, const Redactor& redactor) {
  AttributeValue out;
  if (!assign_api_value(out, value, redactor)) return std::nullopt;
  return out;
}

void add_api_attributes(AttributeList& attributes, nb::handle mapping, const Redactor& redactor) {
  if (mapping.is_none()) return;
  nb::object items;
  PyObject* dict = mapping.ptr();
  if (!PyDict_Check(dict)) {
    // Any Mapping (the API's BoundedAttributes, MappingProxy...): iterate a dict copy of it.
    items = nb::steal(PyDict_New());
    if (!items.is_valid() || PyDict_Merge(items.ptr(), dict, 1) != 0) {
      PyErr_Clear();
      return;
    }
    dict = items.ptr();
  }
  // A dict's keys are distinct, and so are their texts while they are exact str (a str
  // subclass may compare differently): into an empty list, those need no search.
  bool new_keys = attributes.empty();
  PyObject* key = nullptr;
  PyObject* value = nullptr;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    new_keys = new_keys && PyUnicode_CheckExact(key);
    add_api_attribute(attributes, nb::handle(key), nb::handle(value), redactor, new_keys);
  }
}

}  // namespace chaostracing::bindings
