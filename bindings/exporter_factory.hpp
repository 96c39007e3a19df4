// SPDX-License-Identifier: Apache-2.0
// Shared by the exporter factories of _core (bind_export.cpp) and _grpc (grpc_module.cpp):
// wrapping an exporter for Python and turning configuration errors into one-line ValueErrors.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "bindings.hpp"

namespace chaostracing::bindings {

inline PyExporter wrap(std::unique_ptr<Exporter> exporter,
                       std::shared_ptr<ExportedBatches> memory = nullptr) {
  PyExporter wrapped;
  wrapped.description = exporter->describe();
  wrapped.exporter = std::move(exporter);
  wrapped.memory = std::move(memory);
  return wrapped;
}

using Headers = std::vector<std::pair<std::string, std::string>>;

inline std::chrono::milliseconds checked_timeout(std::int64_t timeout_ms) {
  if (timeout_ms <= 0) {
    throw nb::value_error(
        ("timeout_ms must be a positive number of milliseconds, got " + std::to_string(timeout_ms))
            .c_str());
  }
  return std::chrono::milliseconds(timeout_ms);
}

// "none" / "gzip" as the exporter's own Compression enum.
template <typename Compression>
Compression checked_compression(const std::string& compression) {
  if (compression == "none") return Compression::kNone;
  if (compression == "gzip") return Compression::kGzip;
  throw nb::value_error(
      ("compression '" + compression + "' is not valid; accepted: gzip, none").c_str());
}

// The connection settings every exporter that sends over HTTP or gRPC takes, as given by
// Python (the endpoint and certificate files are checked by the exporter's constructor).
struct Connection {
  const std::string& endpoint;
  const Headers& headers;
  std::int64_t timeout_ms;
  const std::string& certificate;
  const std::string& client_certificate;
  const std::string& client_key;
};

// Options with the connection settings filled in; the timeout checked.
template <typename Options>
Options with_connection(const Connection& c) {
  Options options{};
  options.endpoint = c.endpoint;
  options.headers = c.headers;
  options.timeout = checked_timeout(c.timeout_ms);
  options.certificate = c.certificate;
  options.client_certificate = c.client_certificate;
  options.client_key = c.client_key;
  return options;
}

// Builds the exporter, turning its configuration errors into one-line ValueErrors.
template <typename Make>
PyExporter make_checked(Make make) {
  try {
    return wrap(make());
  } catch (const std::system_error& e) {
    throw nb::value_error(e.what());
  } catch (const std::invalid_argument& e) {
    throw nb::value_error(e.what());
  }
}

}  // namespace chaostracing::bindings
