// SPDX-License-Identifier: Apache-2.0
// JaegerHttpExporter: a Jaeger collector's Thrift/HTTP endpoint (POST /api/traces, port
// 14268): one Batch per export in the Thrift binary protocol, Content-Type
// application/x-thrift, over an HttpTransport (by default libcurl with retries). A 2xx
// response is success; a 4xx other than 408/429 is kRejected; anything else is kFailure;
// last_error() says e.g. "HTTP 503 from <url>" or the transport's error text. The constructor
// throws std::invalid_argument for an invalid endpoint, header or timeout and
// std::system_error for an unreadable certificate or key file.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chaostracing/exporter.hpp"
#include "chaostracing/transport/http_transport.hpp"

namespace chaostracing {

struct JaegerHttpOptions {
  std::string endpoint = "http://localhost:14268/api/traces";
  std::vector<std::pair<std::string, std::string>> headers{};
  std::chrono::milliseconds timeout{10000};
  std::string certificate{};
  std::string client_certificate{};
  std::string client_key{};
};

class JaegerHttpExporter final : public Exporter {
 public:
  explicit JaegerHttpExporter(const JaegerHttpOptions& options);
  // For tests: any transport (the TLS options are then ignored).
  JaegerHttpExporter(JaegerHttpOptions options, std::unique_ptr<HttpTransport> transport);
  ~JaegerHttpExporter() override;

  ExportResult export_batch(std::span<const SpanData> spans, const Resource& resource,
                            const Scope& scope,
                            std::chrono::steady_clock::time_point deadline) noexcept override;
  void cancel() noexcept override;
  std::string describe() const override;

 private:
  JaegerHttpOptions options_;
  std::string display_url_;
  std::vector<HttpHeader> request_headers_;
  std::unique_ptr<HttpTransport> transport_;
};

}  // namespace chaostracing
