// SPDX-License-Identifier: Apache-2.0
#include "detail/http_exporter_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "chaostracing/otel_env.hpp"
#include "chaostracing/retry_policy.hpp"

namespace chaostracing::detail {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

void check_readable(const std::string& path, const char* what) {
  if (!path.empty() && ::access(path.c_str(), R_OK) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            std::string("cannot read ") + what + " '" + path + "'");
  }
}

}  // namespace

std::string url_without_userinfo(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto begin = scheme_end + 3;
  const auto end = std::min(url.find_first_of("/?#", begin), url.size());
  const auto at = url.substr(begin, end - begin).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, begin)) + std::string(url.substr(begin + at + 1));
}

TlsOptions checked_tls_options(const std::string& certificate,
                               const std::string& client_certificate,
                               const std::string& client_key) {
  check_readable(certificate, "certificate");
  check_readable(client_certificate, "client certificate");
  check_readable(client_key, "client key");
  return TlsOptions{certificate, client_certificate, client_key};
}

std::vector<HttpHeader> request_headers(
    const std::vector<std::pair<std::string, std::string>>& user_headers,
    std::string_view content_type, std::string_view content_encoding) {
  std::vector<HttpHeader> headers;
  for (const auto& [name, value] : user_headers) {
    if (auto error = validate_header(name, value)) throw std::invalid_argument(*error);
    if (iequals(name, "content-type") || iequals(name, "content-encoding") ||
        iequals(name, "content-length")) {
      continue;
    }
    headers.emplace_back(name, value);
  }
  headers.emplace_back("Content-Type", std::string(content_type));
  if (!content_encoding.empty()) {
    headers.emplace_back("Content-Encoding", std::string(content_encoding));
  }
  return headers;
}

std::string http_failure_text(const HttpResponse& response, std::string_view display_url) {
  if (response.status == 0) return response.error + " (" + std::string(display_url) + ")";
  std::string text =
      "HTTP " + std::to_string(response.status) + " from " + std::string(display_url);
  if (is_rejected_status(response.status)) {
    text += ": the backend refused the batch; it is dropped, not retried";
  }
  return text;
}

ExportResult http_export_result(const HttpResponse& response) noexcept {
  if (response.status >= 200 && response.status < 300) return ExportResult::kSuccess;
  return is_rejected_status(response.status) ? ExportResult::kRejected : ExportResult::kFailure;
}

}  // namespace chaostracing::detail
