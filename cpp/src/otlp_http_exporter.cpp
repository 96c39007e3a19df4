// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/otlp_http_exporter.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "chaostracing/encode/otlp_json.hpp"
#include "chaostracing/encode/otlp_proto.hpp"
#include "chaostracing/otel_env.hpp"
#include "chaostracing/transport/retrying_http_transport.hpp"
#include "detail/gzip.hpp"
#include "detail/http_exporter_support.hpp"

namespace chaostracing {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string without_userinfo(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto begin = scheme_end + 3;
  const auto end = std::min(url.find_first_of("/?#", begin), url.size());
  const auto at = url.substr(begin, end - begin).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, begin)) + std::string(url.substr(begin + at + 1));
}

void check_readable(const std::string& path, const char* what) {
  if (!path.empty() && ::access(path.c_str(), R_OK) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            std::string("cannot read ") + what + " '" + path + "'");
  }
}

TlsOptions tls_options(const OtlpHttpOptions& options) {
  check_readable(options.certificate, "certificate");
  check_readable(options.client_certificate, "client certificate");
  check_readable(options.client_key, "client key");
  return TlsOptions{options.certificate, options.client_certificate, options.client_key};
}

}  // namespace

OtlpHttpExporter::OtlpHttpExporter(const OtlpHttpOptions& options)
    : OtlpHttpExporter(options, make_retrying_curl_transport(tls_options(options))) {}

OtlpHttpExporter::OtlpHttpExporter(OtlpHttpOptions options,
                                   std::unique_ptr<HttpTransport> transport)
    : options_(std::move(options)), transport_(std::move(transport)) {
  if (auto error = validate_endpoint(options_.endpoint)) throw std::invalid_argument(*error);
  if (options_.timeout.count() <= 0) throw std::invalid_argument("timeout must be positive");
  if (!transport_) throw std::invalid_argument("OtlpHttpExporter needs a transport");
  display_url_ = without_userinfo(options_.endpoint);
  for (const auto& [name, value] : options_.headers) {
    if (auto error = validate_header(name, value)) throw std::invalid_argument(*error);
    // These describe our body; a user-supplied copy would contradict it.
    if (iequals(name, "content-type") || iequals(name, "content-encoding") ||
        iequals(name, "content-length")) {
      continue;
    }
    request_headers_.emplace_back(name, value);
  }
  request_headers_.emplace_back("Content-Type", options_.protocol == OtlpHttpOptions::kHttpJson
                                                    ? "application/json"
                                                    : "application/x-protobuf");
  if (options_.compression == OtlpHttpOptions::kGzip) {
    request_headers_.emplace_back("Content-Encoding", "gzip");
  }
}

OtlpHttpExporter::~OtlpHttpExporter() = default;

ExportResult OtlpHttpExporter::export_batch(
    std::span<const SpanData> spans, const Resource& resource, const Scope& scope,
    std::chrono::steady_clock::time_point deadline) noexcept {
  try {
    std::string body = options_.protocol == OtlpHttpOptions::kHttpJson
                           ? encode_otlp_json(spans, resource, scope)
                           : encode_otlp_proto(spans, resource, scope);
    if (options_.compression == OtlpHttpOptions::kGzip) {
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

void OtlpHttpExporter::cancel() noexcept { transport_->cancel(); }

std::string OtlpHttpExporter::describe() const { return "OTLP/HTTP " + display_url_; }

}  // namespace chaostracing
