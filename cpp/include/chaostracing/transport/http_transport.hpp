// SPDX-License-Identifier: Apache-2.0
// HttpTransport: POSTs one request body and reports the HTTP status or a transport error.
// post() is never called concurrently on one instance; cancel() may be called from any thread
// and makes an in-flight post() fail promptly, as well as every later one. Nothing throws.
// make_curl_transport() returns the libcurl implementation (one reused easy handle, so
// connections are kept alive between exports; TLS verification always on).
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace chaostracing {

using HttpHeader = std::pair<std::string, std::string>;

struct HttpRequest {
  std::string_view url{};
  std::span<const HttpHeader> headers{};
  std::string_view body{};
  // The request is abandoned at the earlier of now + timeout and deadline.
  std::chrono::milliseconds timeout{10000};
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

struct HttpResponse {
  long status = 0;    // 0 when no HTTP response was received
  std::string error;  // transport error text when status == 0, e.g. "Couldn't connect to server"
  // The response's Retry-After header, verbatim ("" when absent); see parse_retry_after().
  std::string retry_after;
};

class HttpTransport {
 public:
  HttpTransport() = default;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;
  virtual ~HttpTransport();

  virtual HttpResponse post(const HttpRequest& request) noexcept = 0;
  virtual void cancel() noexcept = 0;
};

struct TlsOptions {
  std::string certificate;  // CA bundle (PEM) used instead of the system store
  std::string client_certificate;
  std::string client_key;
};

// Throws std::runtime_error if libcurl cannot create a handle.
std::unique_ptr<HttpTransport> make_curl_transport(TlsOptions tls);

}  // namespace chaostracing
