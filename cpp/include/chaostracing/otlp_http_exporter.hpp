// SPDX-License-Identifier: Apache-2.0
// OtlpHttpExporter: OTLP/HTTP (https://opentelemetry.io/docs/specs/otlp/#otlphttp) with
// binary protobuf or JSON bodies, optional gzip, over an HttpTransport (by default libcurl
// with retries: RetryingHttpTransport). A 2xx response is success; a 4xx other than 408/429
// is kRejected; anything else is kFailure; last_error() says e.g. "HTTP 503 from <url>" or
// the transport's error text. Header values never appear in errors or describe(). The constructor
// throws std::invalid_argument for an invalid endpoint or header and std::system_error for an
// unreadable certificate or key file.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chaostracing/exporter.hpp"
#include "chaostracing/transport/http_transport.hpp"

namespace chaostracing {

struct OtlpHttpOptions {
  enum Protocol { kHttpProtobuf, kHttpJson };
  enum Compression { kNone, kGzip };

  std::string endpoint = "http://localhost:4318/v1/traces";
  std::vector<std::pair<std::string, std::string>> headers;
  Protocol protocol = kHttpProtobuf;
  Compression compression = kNone;
  std::chrono::milliseconds timeout{10000};
  std::string certificate;
  std::string client_certificate;
  std::string client_key;
};

class OtlpHttpExporter final : public Exporter {
 public:
  explicit OtlpHttpExporter(const OtlpHttpOptions& options);
  // For tests: any transport (the TLS options are then ignored).
  OtlpHttpExporter(OtlpHttpOptions options, std::unique_ptr<HttpTransport> transport);
  ~OtlpHttpExporter() override;

  ExportResult export_batch(std::span<const SpanData> spans, const Resource& resource,
                            const Scope& scope,
                            std::chrono::steady_clock::time_point deadline) noexcept override;
  void cancel() noexcept override;
  std::string describe() const override;

 private:
  OtlpHttpOptions options_;
  std::string display_url_;  // endpoint without user:password@
  std::vector<HttpHeader> request_headers_;
  std::unique_ptr<HttpTransport> transport_;
};

}  // namespace chaostracing
