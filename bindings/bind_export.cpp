// SPDX-License-Identifier: Apache-2.0
// Exporter factories: file_exporter, otlp_http_exporter,
// jaeger_udp_exporter, jaeger_http_exporter, zipkin_exporter and the test-only
// _memory_exporter. otlp_grpc_exporter is in the _grpc module (grpc_module.cpp).
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "bindings.hpp"
#include "chaostracing/file_exporter.hpp"
#include "chaostracing/jaeger_http_exporter.hpp"
#include "chaostracing/jaeger_udp_exporter.hpp"
#include "chaostracing/memory_exporter.hpp"
#include "chaostracing/otel_env.hpp"
#include "chaostracing/otlp_http_exporter.hpp"
#include "chaostracing/zipkin_exporter.hpp"
#include "exporter_factory.hpp"

namespace chaostracing::bindings {
namespace {

// Raises OSError(errno, text, filename); Python picks the subclass (FileNotFoundError...).
[[noreturn]] void raise_os_error(int code, const std::string& text, const std::string& filename) {
  nb::object error =
      nb::handle(PyExc_OSError)(code, nb::str(text.c_str()), nb::str(filename.c_str()));
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw nb::python_error();
}

PyExporter make_file_exporter(const std::string& path, bool truncate, std::int64_t keep_bytes) {
  if (keep_bytes < 0) throw nb::value_error("keep_bytes must not be negative");
  try {
    auto written = keep_bytes > 0
                       ? std::make_shared<WrittenSpans>(static_cast<std::size_t>(keep_bytes))
                       : nullptr;
    PyExporter exporter = wrap(std::make_unique<FileExporter>(path, truncate, written));
    exporter.written = std::move(written);
    return exporter;
  } catch (const std::system_error& e) {
    raise_os_error(e.code().value(), std::generic_category().message(e.code().value()), path);
  }
}

PyExporter make_otlp_http_exporter(const std::string& endpoint, const Headers& headers,
                                   const std::string& protocol, const std::string& compression,
                                   std::int64_t timeout_ms, const std::string& certificate,
                                   const std::string& client_certificate,
                                   const std::string& client_key) {
  if (auto error = validate_endpoint(endpoint)) throw nb::value_error(error->c_str());
  auto options = with_connection<OtlpHttpOptions>(
      {endpoint, headers, timeout_ms, certificate, client_certificate, client_key});
  if (auto p = parse_protocol(protocol)) {
    options.protocol = *p;
  } else if (protocol == "grpc") {
    throw nb::value_error(
        "protocol 'grpc' is sent by otlp_grpc_exporter(); accepted here: http/protobuf, "
        "http/json");
  } else {
    throw nb::value_error(
        ("protocol '" + protocol + "' is not valid; accepted: http/protobuf, http/json").c_str());
  }
  options.compression = checked_compression<OtlpHttpOptions::Compression>(compression);
  return make_checked([&] { return std::make_unique<OtlpHttpExporter>(std::move(options)); });
}

PyExporter make_jaeger_udp_exporter(const std::string& host, std::int64_t port,
                                    std::int64_t max_packet_size) {
  if (port < 1 || port > 65535) {
    throw nb::value_error(("port must be 1-65535, got " + std::to_string(port)).c_str());
  }
  JaegerUdpOptions options{
      .host = host,
      .port = static_cast<std::uint16_t>(port),
      .max_packet_size = static_cast<std::size_t>(std::max<std::int64_t>(0, max_packet_size)),
  };
  return make_checked([&] { return std::make_unique<JaegerUdpExporter>(options); });
}

PyExporter make_jaeger_http_exporter(const std::string& endpoint, const Headers& headers,
                                     std::int64_t timeout_ms, const std::string& certificate,
                                     const std::string& client_certificate,
                                     const std::string& client_key) {
  const auto options = with_connection<JaegerHttpOptions>(
      {endpoint, headers, timeout_ms, certificate, client_certificate, client_key});
  return make_checked([&] { return std::make_unique<JaegerHttpExporter>(options); });
}

PyExporter make_zipkin_exporter(const std::string& endpoint, const Headers& headers,
                                const std::string& compression, std::int64_t timeout_ms,
                                const std::string& certificate,
                                const std::string& client_certificate,
                                const std::string& client_key) {
  auto options = with_connection<ZipkinOptions>(
      {endpoint, headers, timeout_ms, certificate, client_certificate, client_key});
  options.compression = checked_compression<ZipkinOptions::Compression>(compression);
  return make_checked([&] { return std::make_unique<ZipkinExporter>(options); });
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
        nb::arg("truncate") = true, nb::arg("keep_bytes") = 0,
        "Writes one OTLP/JSON ExportTraceServiceRequest per batch, one per line; keeps\n"
        "the spans it wrote while they take up to keep_bytes in the file, for\n"
        "Pipeline.written_spans().\n\n"
        "Raises OSError naming the path if the file cannot be opened.");

  m.def("otlp_http_exporter", &make_otlp_http_exporter, nb::kw_only(), nb::arg("endpoint"),
        nb::arg("headers") = Headers{}, nb::arg("protocol") = "http/protobuf",
        nb::arg("compression") = "none", nb::arg("timeout_ms") = 10000, nb::arg("certificate") = "",
        nb::arg("client_certificate") = "", nb::arg("client_key") = "",
        "OTLP over HTTP (protobuf or JSON body, optional gzip).\n\n"
        "Raises ValueError (one line) for a bad endpoint, header, protocol, compression,\n"
        "timeout or an unreadable certificate or key file.");

  m.def("jaeger_udp_exporter", &make_jaeger_udp_exporter, nb::kw_only(),
        nb::arg("host") = "localhost", nb::arg("port") = 6831,
        nb::arg("max_packet_size") = static_cast<std::int64_t>(kJaegerMaxDatagramBytes),
        "Jaeger agent: Thrift compact emitBatch over UDP, one message per datagram.\n\n"
        "Raises ValueError for an empty host, a port outside 1-65535 or a max_packet_size\n"
        "outside 512-65507.");

  m.def("jaeger_http_exporter", &make_jaeger_http_exporter, nb::kw_only(), nb::arg("endpoint"),
        nb::arg("headers") = Headers{}, nb::arg("timeout_ms") = 10000, nb::arg("certificate") = "",
        nb::arg("client_certificate") = "", nb::arg("client_key") = "",
        "Jaeger collector: Thrift binary Batch over HTTP (POST /api/traces).\n\n"
        "Raises ValueError (one line) for a bad endpoint, header, timeout or an unreadable\n"
        "certificate or key file.");

  m.def("zipkin_exporter", &make_zipkin_exporter, nb::kw_only(), nb::arg("endpoint"),
        nb::arg("headers") = Headers{}, nb::arg("compression") = "none",
        nb::arg("timeout_ms") = 10000, nb::arg("certificate") = "",
        nb::arg("client_certificate") = "", nb::arg("client_key") = "",
        "Zipkin v2 JSON over HTTP (POST /api/v2/spans).\n\n"
        "Raises ValueError (one line) for a bad endpoint, header, compression, timeout or an\n"
        "unreadable certificate or key file.");

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
