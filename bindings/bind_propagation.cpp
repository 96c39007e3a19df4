// SPDX-License-Identifier: Apache-2.0
// Trace-context propagation: extract a remote context from received headers, inject ours into
// outgoing ones (W3C tracecontext and baggage, B3 single and multi, Jaeger). Header input is
// untrusted: malformed headers extract as None or are skipped, never raise. Only misuse raises:
// an unknown format name (ValueError), a wrong type (TypeError), a bad trace_id or flags.
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "chaostracing/propagation/propagator.hpp"

namespace chaostracing::bindings {
namespace {

std::vector<PropagationFormat> to_formats(nb::handle formats) {
  // A bare str is iterable too, and would be read one letter at a time.
  if (PyUnicode_Check(formats.ptr()) || PyBytes_Check(formats.ptr())) {
    throw nb::type_error("formats must be a list of format names, not a single str");
  }
  std::vector<PropagationFormat> out;
  for (nb::handle item : nb::iter(formats)) {
    const std::string name = utf8(item, "format name");
    const auto format = parse_propagation_format(name);
    if (!format) {
      throw nb::value_error(("unknown propagation format '" + name +
                             "'; accepted: " + std::string(kPropagationFormatNames))
                                .c_str());
    }
    out.push_back(*format);
  }
  return out;
}

// Every (str, str) item of a mapping: a dict, any Mapping, or a multi-valued one such as
// email.message.Message whose items() repeats a name. Other items are skipped: headers are
// input, and input never makes a hook fail.
std::vector<std::pair<std::string, std::string>> to_headers(nb::handle headers) {
  nb::object items;
  if (PyDict_Check(headers.ptr())) {
    items = nb::borrow<nb::dict>(headers).items();
  } else if (nb::hasattr(headers, "items")) {
    items = headers.attr("items")();
  } else {
    throw nb::type_error(("headers must be a mapping of str to str, not " +
                          std::string(nb::type_name(headers.type()).c_str()))
                             .c_str());
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (nb::handle item : nb::iter(items)) {
    if (!PyTuple_Check(item.ptr()) || PyTuple_GET_SIZE(item.ptr()) != 2) continue;
    nb::handle name = PyTuple_GET_ITEM(item.ptr(), 0);
    nb::handle value = PyTuple_GET_ITEM(item.ptr(), 1);
    if (!PyUnicode_Check(name.ptr()) || !PyUnicode_Check(value.ptr())) continue;
    out.emplace_back(utf8(name, "header name"), utf8(value, "header value"));
  }
  return out;
}

Baggage to_baggage(nb::handle mapping) {
  nb::object items;
  if (PyDict_Check(mapping.ptr())) {
    items = nb::borrow<nb::dict>(mapping).items();
  } else if (nb::hasattr(mapping, "items")) {
    items = mapping.attr("items")();
  } else {
    throw nb::type_error(("baggage must be a mapping of str to str, not " +
                          std::string(nb::type_name(mapping.type()).c_str()))
                             .c_str());
  }
  Baggage baggage;
  for (nb::handle item : nb::iter(items)) {
    if (!PyTuple_Check(item.ptr()) || PyTuple_GET_SIZE(item.ptr()) != 2) {
      throw nb::type_error("baggage.items() must yield (key, value) pairs");
    }
    baggage.push_back({utf8(PyTuple_GET_ITEM(item.ptr(), 0), "baggage key"),
                       utf8(PyTuple_GET_ITEM(item.ptr(), 1), "baggage value"),
                       {}});
  }
  return baggage;
}

nb::dict baggage_dict(const Baggage& baggage) {
  nb::dict out;
  for (const auto& entry : baggage) {
    // Keys are tokens (ASCII) and values repaired UTF-8: both always decode.
    out[nb::str(entry.key.c_str(), entry.key.size())] =
        nb::str(entry.value.c_str(), entry.value.size());
  }
  return out;
}

nb::object extract_context(nb::handle formats, nb::handle headers) {
  const auto parsed_formats = to_formats(formats);
  const auto header_list = to_headers(headers);
  const HeaderListGetter getter(header_list);
  for (const auto format : parsed_formats) {
    if (auto context = extract(format, getter)) {
      return nb::make_tuple(nb::bytes(reinterpret_cast<const char*>(context->trace_id.data()),
                                      context->trace_id.size()),
                            context->span_id, static_cast<unsigned>(context->flags),
                            nb::str(context->trace_state.c_str(), context->trace_state.size()));
    }
  }
  return nb::none();
}

nb::dict extract_baggage_dict(nb::handle formats, nb::handle headers) {
  const auto parsed_formats = to_formats(formats);
  const auto header_list = to_headers(headers);
  const HeaderListGetter getter(header_list);
  nb::dict out;
  for (const auto format : parsed_formats) {
    for (const auto& entry : extract_baggage(format, getter)) {
      nb::str key(entry.key.c_str(), entry.key.size());
      // The first format that carries a key wins, as for the context.
      if (!out.contains(key)) out[key] = nb::str(entry.value.c_str(), entry.value.size());
    }
  }
  return out;
}

nb::dict inject_context(nb::handle formats, nb::bytes trace_id, std::uint64_t span_id,
                        unsigned flags, nb::str trace_state, nb::handle baggage) {
  const auto parsed_formats = to_formats(formats);
  if (trace_id.size() != 16) {
    throw nb::value_error(
        ("trace_id must be 16 bytes, got " + std::to_string(trace_id.size())).c_str());
  }
  if (flags > 0xff) {
    throw nb::value_error(("flags must be 0-255, got " + std::to_string(flags)).c_str());
  }
  SpanContext context;
  std::memcpy(context.trace_id.data(), trace_id.data(), context.trace_id.size());
  context.span_id = span_id;
  context.flags = static_cast<std::uint8_t>(flags);
  context.trace_state = utf8(trace_state, "trace_state");
  const Baggage entries = to_baggage(baggage);
  nb::dict out;
  for (const auto format : parsed_formats) {
    inject(format, context, entries, [&](std::string_view name, std::string_view value) {
      out[nb::str(name.data(), name.size())] = nb::str(value.data(), value.size());
    });
  }
  return out;
}

}  // namespace

void bind_propagation(nb::module_& m) {
  m.def("extract_context", &extract_context,
        nb::sig("def extract_context(formats: collections.abc.Sequence[str], "
                "headers: collections.abc.Mapping[str, str]) -> "
                "tuple[bytes, int, int, str] | None"),
        nb::arg("formats"), nb::arg("headers"),
        "The remote context in the first of `formats` that carries a valid one, as\n"
        "(trace_id: 16 bytes, span_id, flags, trace_state), else None. Header names are\n"
        "matched case-insensitively; malformed headers are ignored, never raised.");
  m.def("extract_baggage", &extract_baggage_dict,
        nb::sig("def extract_baggage(formats: collections.abc.Sequence[str], "
                "headers: collections.abc.Mapping[str, str]) -> dict[str, str]"),
        nb::arg("formats"), nb::arg("headers"),
        "Baggage carried by `formats` (`baggage` header, Jaeger uberctx-*), decoded.");
  m.def("inject_context", &inject_context,
        nb::sig("def inject_context(formats: collections.abc.Sequence[str], trace_id: bytes, "
                "span_id: int, flags: int, trace_state: str, "
                "baggage: collections.abc.Mapping[str, str]) -> dict[str, str]"),
        nb::arg("formats"), nb::arg("trace_id"), nb::arg("span_id"), nb::arg("flags"),
        nb::arg("trace_state"), nb::arg("baggage"),
        "The headers carrying the context (and baggage) in every format, name -> value.");
  m.def(
      "parse_baggage",
      [](nb::str value) { return baggage_dict(parse_baggage(utf8(value, "value"))); },
      nb::arg("value"), "A W3C baggage header value as {key: decoded value}; bad members skipped.");
  m.def(
      "format_baggage", [](nb::handle baggage) { return format_baggage(to_baggage(baggage)); },
      nb::sig("def format_baggage(baggage: collections.abc.Mapping[str, str]) -> str"),
      nb::arg("baggage"), "A W3C baggage header value, values percent-encoded.");
}

}  // namespace chaostracing::bindings
