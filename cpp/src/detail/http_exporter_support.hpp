// SPDX-License-Identifier: Apache-2.0
// What the HTTP exporters other than OTLP/HTTP (Jaeger Thrift/HTTP, Zipkin) share: checked
// options, request headers and one-line failure texts that never contain header values or
// URL credentials.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chaostracing/exporter.hpp"
#include "chaostracing/transport/http_transport.hpp"

namespace chaostracing::detail {

// `url` without any user:password@ (for messages and describe()).
std::string url_without_userinfo(std::string_view url);

// Throws std::system_error naming the file when a non-empty path is not readable.
TlsOptions checked_tls_options(const std::string& certificate,
                               const std::string& client_certificate,
                               const std::string& client_key);

// The user's headers (validated: throws std::invalid_argument) minus any Content-Type,
// Content-Encoding or Content-Length, which describe our body, then ours.
std::vector<HttpHeader> request_headers(
    const std::vector<std::pair<std::string, std::string>>& user_headers,
    std::string_view content_type, std::string_view content_encoding = {});

// "HTTP 503 from <url>" or "<transport error> (<url>)"; a rejected status (a 4xx other than
// 408/429, see retry_policy.hpp) adds that the batch is dropped, not retried.
std::string http_failure_text(const HttpResponse& response, std::string_view display_url);

// kSuccess for 2xx, kRejected for a status the backend will never accept, else kFailure.
ExportResult http_export_result(const HttpResponse& response) noexcept;

}  // namespace chaostracing::detail
