// SPDX-License-Identifier: Apache-2.0
// Pure configuration parsing: OTEL_EXPORTER_OTLP_* variables, header strings, endpoints.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <map>

#include "bindings.hpp"
#include "chaostracing/otel_env.hpp"

namespace chaostracing::bindings {
namespace {

nb::list header_list(const std::vector<std::pair<std::string, std::string>>& headers) {
  nb::list out;
  for (const auto& [name, value] : headers) out.append(nb::make_tuple(name, value));
  return out;
}

nb::list string_list(const std::vector<std::string>& strings) {
  nb::list out;
  for (const auto& s : strings) out.append(nb::str(s.c_str(), s.size()));
  return out;
}

nb::dict parse_env(nb::handle mapping) {
  // Any mapping (os.environ included); copy only the variables we read, so the parser runs
  // on plain C++ strings.
  nb::dict environ =
      PyDict_Check(mapping.ptr())
          ? nb::borrow<nb::dict>(mapping)
          : nb::borrow<nb::dict>(nb::handle(reinterpret_cast<PyObject*>(&PyDict_Type))(mapping));
  std::map<std::string, std::string, std::less<>> env;
  for (auto [key, value] : environ) {
    if (!nb::isinstance<nb::str>(key)) continue;
    std::string k = utf8(key, "environ key");
    if (k.rfind("OTEL_EXPORTER_OTLP_", 0) != 0) continue;
    env.emplace(std::move(k), utf8(value, ("environ['" + k + "']").c_str()));
  }
  const ParsedOtlpEnv parsed =
      parse_otlp_env([&](std::string_view name) -> std::optional<std::string> {
        if (auto it = env.find(name); it != env.end()) return it->second;
        return std::nullopt;
      });
  const OtlpHttpOptions& o = parsed.options;
  nb::dict d;
  d["endpoint"] = o.endpoint;
  d["headers"] = header_list(o.headers);
  d["protocol"] = parsed.grpc ? std::string("grpc") : std::string(protocol_name(o.protocol));
  d["grpc_endpoint"] = parsed.grpc_endpoint;
  d["compression"] = std::string(compression_name(o.compression));
  d["timeout_ms"] = static_cast<std::int64_t>(o.timeout.count());
  d["certificate"] = o.certificate;
  d["client_certificate"] = o.client_certificate;
  d["client_key"] = o.client_key;
  d["from_env"] = string_list(parsed.from_env);
  d["errors"] = string_list(parsed.errors);
  return d;
}

}  // namespace

void bind_config(nb::module_& m) {
  m.def("parse_otlp_env", &parse_env,
        nb::sig("def parse_otlp_env(environ: collections.abc.Mapping[str, str]) -> "
                "dict[str, typing.Any]"),
        nb::arg("environ"),
        "Parses OTEL_EXPORTER_OTLP_[TRACES_]* from a mapping (e.g. dict(os.environ)).\n\n"
        "Never raises for bad values: they are reported in result['errors'] and defaults kept.");
  m.def(
      "parse_headers",
      [](nb::str value, nb::str source) {
        const ParsedHeaders parsed = parse_headers(utf8(value, "value"), utf8(source, "source"));
        return nb::make_tuple(header_list(parsed.headers), string_list(parsed.errors));
      },
      nb::arg("value"), nb::kw_only(), nb::arg("source") = "",
      "Parses 'k1=v1,k2=v2' (values percent-decoded). Returns (headers, errors); errors never\n"
      "contain header values, and start with '<source>: ' when source is given.");
  m.def(
      "validate_endpoint", [](nb::str url) { return validate_endpoint(utf8(url, "url")); },
      nb::arg("url"), "None if url is an absolute http(s) URL with a host, else a one-line error.");
}

}  // namespace chaostracing::bindings
