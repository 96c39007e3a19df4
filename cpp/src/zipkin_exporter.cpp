// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/zipkin_exporter.hpp"

#include <stdexcept>

#include "chaostracing/encode/zipkin_json.hpp"
#include "chaostracing/otel_env.hpp"
#include "chaostracing/transport/retrying_http_transport.hpp"
#include "detail/gzip.hpp"
#include "detail/http_exporter_support.hpp"

namespace chaostracing {

ZipkinExporter::ZipkinExporter(const ZipkinOptions& options)
    : ZipkinExporter(options,
                     make_retrying_curl_transport(detail::checked_tls_options(
                         options.certificate, options.client_certificate, options.client_key))) {}

ZipkinExporter::ZipkinExporter(ZipkinOptions options, std::unique_ptr<HttpTransport> transport)
    : options_(std::move(options)), transport_(std::move(transport)) {
  if (auto error = validate_endpoint(options_.endpoint)) throw std::invalid_argument(*error);
  if (options_.timeout.count() <= 0) throw std::invalid_argument("timeout must be positive");
  if (!transport_) throw std::invalid_argument("ZipkinExporter needs a transport");
  display_url_ = detail::url_without_userinfo(options_.endpoint);
  request_headers_ =
      detail::request_headers(options_.headers, "application/json",
                              options_.compression == ZipkinOptions::kGzip ? "gzip" : "");
}

ZipkinExporter::~ZipkinExporter() = default;

ExportResult ZipkinExporter::export_batch(std::span<const SpanData> spans, const Resource& resource,
                                          const Scope& scope,
                                          std::chrono::steady_clock::time_point deadline) noexcept {
  try {
    std::string body = encode_zipkin_json(spans, resource, scope);
    if (options_.compression == ZipkinOptions::kGzip) {
      auto compressed = detail::gzip_compress(body);
      if (!compressed) {
        set_last_error("gzip compression failed for " + display_url_);
        return ExportResult::kFailure;
      }
      body = std::move(*compressed);
    }
    const HttpResponse response = transport_->post(HttpRequest{
        .url = options_.endpoint,
        .headers = request_headers_,
        .body = body,
        .timeout = options_.timeout,
        .deadline = deadline,
    });
    const ExportResult result = detail::http_export_result(response);
    if (result != ExportResult::kSuccess) {
      set_last_error(detail::http_failure_text(response, display_url_));
    }
    return result;
  } catch (const std::exception& e) {
    set_last_error(std::string("export to ") + display_url_ + " failed: " + e.what());
  }
  return ExportResult::kFailure;
}

void ZipkinExporter::cancel() noexcept { transport_->cancel(); }

std::string ZipkinExporter::describe() const { return "Zipkin " + display_url_; }

}  // namespace chaostracing
