// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/jaeger_http_exporter.hpp"

#include <stdexcept>

#include "chaostracing/encode/jaeger_thrift.hpp"
#include "chaostracing/otel_env.hpp"
#include "chaostracing/transport/retrying_http_transport.hpp"
#include "detail/http_exporter_support.hpp"

namespace chaostracing {

JaegerHttpExporter::JaegerHttpExporter(const JaegerHttpOptions& options)
    : JaegerHttpExporter(
          options, make_retrying_curl_transport(detail::checked_tls_options(
                       options.certificate, options.client_certificate, options.client_key))) {}

JaegerHttpExporter::JaegerHttpExporter(JaegerHttpOptions options,
                                       std::unique_ptr<HttpTransport> transport)
    : options_(std::move(options)), transport_(std::move(transport)) {
  if (auto error = validate_endpoint(options_.endpoint)) throw std::invalid_argument(*error);
  if (options_.timeout.count() <= 0) throw std::invalid_argument("timeout must be positive");
  if (!transport_) throw std::invalid_argument("JaegerHttpExporter needs a transport");
  display_url_ = detail::url_without_userinfo(options_.endpoint);
  // The Jaeger collector and the OpenTelemetry Collector's jaeger receiver both take this
  // type for a binary-protocol Batch.
  request_headers_ = detail::request_headers(options_.headers, "application/x-thrift");
}

JaegerHttpExporter::~JaegerHttpExporter() = default;

ExportResult JaegerHttpExporter::export_batch(
    std::span<const SpanData> spans, const Resource& resource, const Scope& scope,
    std::chrono::steady_clock::time_point deadline) noexcept {
  try {
    const std::string body = encode_jaeger_batch_binary(spans, resource, scope);
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

void JaegerHttpExporter::cancel() noexcept { transport_->cancel(); }

std::string JaegerHttpExporter::describe() const { return "Jaeger Thrift/HTTP " + display_url_; }

}  // namespace chaostracing
