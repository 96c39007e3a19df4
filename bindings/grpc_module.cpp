// SPDX-License-Identifier: Apache-2.0
// chaostracing._grpc: the OTLP/gRPC exporter, in a module of its own so that gRPC's shared
// libraries (about 40 of them, ~8 ms to load) are only loaded by runs that export over gRPC.
// Its Exporter objects are _core.Exporter (nanobind shares bound types between modules).
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "chaostracing/otlp_grpc_exporter.hpp"
#include "exporter_factory.hpp"

namespace chaostracing::bindings {
namespace {

PyExporter make_otlp_grpc_exporter(const std::string& endpoint, const Headers& headers,
                                   const std::string& compression, std::int64_t timeout_ms,
                                   const std::string& certificate,
                                   const std::string& client_certificate,
                                   const std::string& client_key) {
  auto options = with_connection<OtlpGrpcOptions>(
      {endpoint, headers, timeout_ms, certificate, client_certificate, client_key});
  options.compression = checked_compression<OtlpGrpcOptions::Compression>(compression);
  return make_checked([&] { return std::make_unique<OtlpGrpcExporter>(options); });
}

}  // namespace
}  // namespace chaostracing::bindings

NB_MODULE(_grpc, m) {
  namespace nb = nanobind;
  using namespace chaostracing::bindings;
  nb::set_leak_warnings(false);
  m.doc() = "OTLP/gRPC export of chaostracing (private API); import chaostracing._core first.";
  m.def("otlp_grpc_exporter", &make_otlp_grpc_exporter, nb::kw_only(), nb::arg("endpoint"),
        nb::arg("headers") = Headers{}, nb::arg("compression") = "none",
        nb::arg("timeout_ms") = 10000, nb::arg("certificate") = "",
        nb::arg("client_certificate") = "", nb::arg("client_key") = "",
        "OTLP over gRPC (TraceService/Export); http:// is plaintext, https:// is TLS.\n\n"
        "Raises ValueError (one line) for a bad endpoint, header, compression, timeout or an\n"
        "unreadable certificate or key file.");
}
