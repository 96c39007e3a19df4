// SPDX-License-Identifier: Apache-2.0
// Pure parsing of the OTEL_EXPORTER_OTLP_[TRACES_]* variables
// (https://opentelemetry.io/docs/specs/otel/protocol/exporter/). Never throws (except
// bad_alloc) and never reads the process environment itself: the caller passes a getenv.
// Every problem becomes a one-line error naming the variable, the bad value and what is
// accepted; header values are never echoed, only header names.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chaostracing/otlp_http_exporter.hpp"

namespace chaostracing {

using GetEnv = std::function<std::optional<std::string>(std::string_view name)>;

struct ParsedOtlpEnv {
  OtlpHttpOptions options;
  // PROTOCOL=grpc: options.protocol is then left at its default and the OTLP/gRPC endpoint is
  // grpc_endpoint, which is the variable's URL as given (gRPC has no per-signal path).
  bool grpc = false;
  std::string grpc_endpoint = "http://localhost:4317";
  // Names of the option fields taken from the environment: "endpoint", "headers",
  // "protocol", "compression", "timeout_ms", "certificate", "client_certificate", "client_key".
  std::vector<std::string> from_env;
  std::vector<std::string> errors;
};

struct ParsedHeaders {
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> errors;
};

// Signal-specific variables win over generic ones; an empty value counts as unset. A generic
// endpoint gets "v1/traces" appended to its path; the signal-specific one is used as is.
ParsedOtlpEnv parse_otlp_env(const GetEnv& getenv);

// W3C-baggage-like "k1=v1,k2=v2": keys and values trimmed, values percent-decoded. Malformed
// members are skipped with an error, prefixed with "<source>: " when source is not empty.
ParsedHeaders parse_headers(std::string_view value, std::string_view source = {});

// Error text if `url` is not an absolute http:// or https:// URL with a host (and a numeric
// port 1-65535 if any), else std::nullopt.
std::optional<std::string> validate_endpoint(std::string_view url);

// Error text if `name` is not an HTTP header token or `value` has control characters (the
// value is never quoted in the message).
std::optional<std::string> validate_header(std::string_view name, std::string_view value);

// "http/protobuf" / "http/json", "none" / "gzip": the spellings used by OTEL_* and Python.
std::optional<OtlpHttpOptions::Protocol> parse_protocol(std::string_view value) noexcept;
std::optional<OtlpHttpOptions::Compression> parse_compression(std::string_view value) noexcept;
std::string_view protocol_name(OtlpHttpOptions::Protocol protocol) noexcept;
std::string_view compression_name(OtlpHttpOptions::Compression compression) noexcept;

}  // namespace chaostracing
