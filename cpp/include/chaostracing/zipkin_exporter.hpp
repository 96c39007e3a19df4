// SPDX-License-Identifier: Apache-2.0
// ZipkinExporter: Zipkin's v2 API (POST /api/v2/spans, port 9411) with a JSON array body,
// optionally gzipped, over an HttpTransport (by default libcurl with retries). A 2xx response
// (Zipkin answers 202) is success; a 4xx other than 408/429 is kRejected; anything else is
// kFailure; last_error() says e.g. "HTTP 503 from <url>" or the transport's error text. The
// constructor throws std::invalid_argument for an invalid endpoint, header or timeout and
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

struct ZipkinOptions {
  enum Compression { kNone, kGzip };

  std::string endpoint = "http://localhost:9411/api/v2/spans";
  std::vector<std::pair<std::string, std::string>> headers{};
  Compression compression = kNone;
  std::chrono::milliseconds timeout{10000};
  std::string certificate{};
  std::string client_certificate{};
  std::string client_key{};
};

class ZipkinExporter final : public Exporter {
 public:
  explicit ZipkinExporter(const ZipkinOptions& options);
  // For tests: any transport (the TLS options are then ignored).
  ZipkinExporter(ZipkinOptions options, std::unique_ptr<HttpTransport> transport);
  ~ZipkinExporter() override;

  ExportResult export_batch(std::span<const SpanData> spans, const Resource& resource,
                            const Scope& scope,
                            std::chrono::steady_clock::time_point deadline) noexcept override;
  void cancel() noexcept override;
  std::string describe() const override;

 private:
  ZipkinOptions options_;
  std::string display_url_;
  std::vector<HttpHeader> request_headers_;
  std::unique_ptr<HttpTransport> transport_;
};

}  // namespace chaostracing
