// SPDX-License-Identifier: Apache-2.0
// Exporter factories: file_exporter, otlp_http_exporter and the test-only _memory_exporter.
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <system_error>

#include "bindings.hpp"
#include "chaostracing/file_exporter.hpp"
#include "chaostracing/memory_exporter.hpp"
#include "chaostracing/otel_env.hpp"
#include "chaostracing/otlp_http_exporter.hpp"

namespace chaostracing::bindings {
namespace {

// Raises OSError(errno, text, filename); Python picks the subclass (FileNotFoundError...).
[[noreturn]] void raise_os_error(int code, const std::string& text, const std::string& filename) {
  nb::object error =
      nb::handle(PyExc_OSError)(code, nb::str(text.c_str()), nb::str(filename.c_str()));
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw nb::python_error();
}

PyExporter wrap(std::unique_ptr<Exporter> exporter,
                std::shared_ptr<ExportedBatches> memory = nullptr) {
  PyExporter wrapped;
  wrapped.description = exporter->describe();
  wrapped.exporter = std::move(exporter);
  wrapped.memory = std::move(memory);
  return wrapped;
}

PyExporter make_file_exporter(const std::string& path, bool truncate) {
  try {
    return wrap(std::make_unique<FileExporter>(path, truncate));
  } catch (const std::system_error& e) {
    raise_os_error(e.code().value(), std::generic_category().message(e.code().value()), path);
  }
}

PyExporter make_otlp_http_exporter(const std::string& endpoint,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   const std::string& protocol, const std::string& compression,
                                   std::int64_t timeout_ms, const std::string& certificate,
                                   const std::string& client_certificate,
                                   const std::string& client_key) {
  OtlpHttpOptions options;
  if (auto error = validate_endpoint(endpoint)) throw nb::value_error(error->c_str());
  options.endpoint = endpoint;
  options.headers = headers;
  if (auto p = parse_protocol(protocol)) {
    options.protocol = *p;
  } else if (protocol == "grpc") {
    throw nb::value_error(
        "protocol 'grpc' is not supported yet; accepted: http/protobuf, http/json");
  } else {
    throw nb::value_error(
        ("protocol '" + protocol + "' is not valid; accepted: http/protobuf, http/json").c_str());
  }
  if (auto c = parse_compression(compression)) {
    options.compression = *c;
  } else {
    throw nb::value_error(
        ("compression '" + compression + "' is not valid; accepted: gzip, none").c_str());
  }
  if (timeout_ms <= 0) {
    throw nb::value_error(
        ("timeout_ms must be a positive number of milliseconds, got " + std::to_string(timeout_ms))
            .c_str());
  }
  options.timeout = std::chrono::milliseconds(timeout_ms);
  options.certificate = certificate;
  options.client_certificate = client_certificate;
  options.client_key = client_key;
  try {
    return wrap(std::make_unique<OtlpHttpExporter>(std::move(options)));
  } catch (const std::system_error& e) {
    // A configuration mistake like the others here, so the same exception type.
    throw nb::value_error(e.what());
  } catch (const std::invalid_argument& e) {
    throw nb::value_error(e.what());
  }
}

}  // namespace

void bind_export(nb::module_& m) {
  nb::class_<PyExporter>(m, "Exporter",
                         "An exporter, waiting to be handed to a Pipeline (which takes it over).")
      .def(
          "describe", [](const PyExporter& self) { return self.description; },
          "Where spans go, e.g. 'OTLP/HTTP http://127.0.0.1:4318/v1/traces' or 'file /x.jsonl'.")
      .def("__repr__", [](const PyExporter& self) {
        return "<chaostracing._core.Exporter " + self.description + ">";
      });

  m.def("file_exporter", &make_file_exporter, nb::kw_only(), nb::arg("path"),
        nb::arg("truncate") = true,
        "Writes one OTLP/JSON ExportTraceServiceRequest per batch, one per line.\n\n"
        "Raises OSError naming the path if the file cannot be opened.");

  m.def("otlp_http_exporter", &make_otlp_http_exporter, nb::kw_only(), nb::arg("endpoint"),
        nb::arg("headers") = std::vector<std::pair<std::string, std::string>>{},
        nb::arg("protocol") = "http/protobuf", nb::arg("compression") = "none",
        nb::arg("timeout_ms") = 10000, nb::arg("certificate") = "",
        nb::arg("client_certificate") = "", nb::arg("client_key") = "",
        "OTLP over HTTP (protobuf or JSON body, optional gzip).\n\n"
        "Raises ValueError (one line) for a bad endpoint, header, protocol, compression,\n"
        "timeout or an unreadable certificate or key file.");

  m.def(
      "_memory_exporter",
      [](bool fail) {
        auto sink = std::make_shared<ExportedBatches>();
        return wrap(std::make_unique<MemoryExporter>(sink, fail), sink);
      },
      nb::kw_only(), nb::arg("fail") = false,
      "Testing: keeps exported batches for Pipeline._take_encoded(); fail=True makes every\n"
      "export fail (the batch is still kept).");
}

}  // namespace chaostracing::bindings
