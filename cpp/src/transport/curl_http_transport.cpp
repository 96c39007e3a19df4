// SPDX-License-Identifier: Apache-2.0
// libcurl implementation of HttpTransport. One easy handle is reused for every request so
// that libcurl keeps the connection (and TLS session) alive between exports.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "chaostracing/transport/http_transport.hpp"
#include "chaostracing/version.hpp"
#include "transport/libcurl.hpp"

namespace chaostracing {
namespace {

using detail::libcurl;

// Only made once libcurl() has loaded.
struct EasyDeleter {
  void operator()(CURL* handle) const noexcept { libcurl().easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { libcurl().slist_free_all(list); }
};

// The response body (a Status message on errors) is not needed; discard it.
size_t discard_body(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

// Keeps the Retry-After header of the final response (a 100 Continue's headers come first).
size_t on_header(char* data, size_t size, size_t nitems, void* user) {
  const size_t n = size * nitems;
  auto* retry_after = static_cast<std::string*>(user);
  const std::string_view line(data, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.rfind("HTTP/", 0) == 0) {
    retry_after->clear();
  } else if (line.size() >= kName.size() &&
             std::equal(kName.begin(), kName.end(), line.begin(), [](char a, char b) {
               return a == std::tolower(static_cast<unsigned char>(b));
             })) {
    std::string_view value = line.substr(kName.size());
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
      value.remove_suffix(1);
    }
    try {
      retry_after->assign(value.substr(0, 128));
    } catch (...) {
      return 0;  // out of memory: abort the transfer
    }
  }
  return n;
}

class CurlHttpTransport final : public HttpTransport {
 public:
  explicit CurlHttpTransport(TlsOptions tls) : tls_(std::move(tls)) {
    handle_.reset(libcurl().easy_init());
    if (!handle_) throw std::runtime_error("curl_easy_init failed");
    user_agent_ = "chaostracing/" + std::string(version());
  }

  HttpResponse post(const HttpRequest& request) noexcept override {
    HttpResponse response;
    if (cancelled_.load(std::memory_order_relaxed)) {
      response.error = "export cancelled";
      return response;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= request.deadline) {
      response.error = "export deadline passed before sending";
      return response;
    }
    auto timeout = request.timeout;
    if (request.deadline != std::chrono::steady_clock::time_point::max()) {
      timeout =
          std::min(timeout, std::chrono::ceil<std::chrono::milliseconds>(request.deadline - now));
    }
    const long timeout_ms = static_cast<long>(std::max<std::int64_t>(1, timeout.count()));

    try {
      const detail::Libcurl& curl = libcurl();  // loaded by the constructor
      std::unique_ptr<curl_slist, SlistDeleter> headers;
      for (const auto& [name, value] : request.headers) {
        std::string line;
        line.reserve(name.size() + 2 + value.size());
        line.append(name).append(": ").append(value);
        curl_slist* appended = curl.slist_append(headers.get(), line.c_str());
        if (appended == nullptr) throw std::bad_alloc();
        (void)headers.release();
        headers.reset(appended);
      }
      // Without this curl adds "Expect: 100-continue" to larger bodies and waits for it.
      curl_slist* appended = curl.slist_append(headers.get(), "Expect:");
      if (appended == nullptr) throw std::bad_alloc();
      (void)headers.release();
      headers.reset(appended);

      CURL* h = handle_.get();
      const std::string url(request.url);
      curl.easy_setopt(h, CURLOPT_URL, url.c_str());
      curl.easy_setopt(h, CURLOPT_POST, 1L);
      curl.easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl.easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
      curl.easy_setopt(h, CURLOPT_USERAGENT, user_agent_.c_str());
      // Signals are unsafe in a multi-threaded host (Python); this also disables the
      // SIGALRM-based DNS timeout, which a threaded resolver does not need.
      curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
      curl.easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
      curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
      curl.easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
      curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
      curl.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
      curl.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
      if (!tls_.certificate.empty()) curl.easy_setopt(h, CURLOPT_CAINFO, tls_.certificate.c_str());
      if (!tls_.client_certificate.empty()) {
        curl.easy_setopt(h, CURLOPT_SSLCERT, tls_.client_certificate.c_str());
      }
      if (!tls_.client_key.empty()) curl.easy_setopt(h, CURLOPT_SSLKEY, tls_.client_key.c_str());
      curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
      curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
      curl.easy_setopt(h, CURLOPT_HEADERDATA, &response.retry_after);
      // The progress callback lets cancel() abort a transfer stuck waiting on the server.
      curl.easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
      curl.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
      curl.easy_setopt(h, CURLOPT_XFERINFODATA, this);
      char error_buffer[CURL_ERROR_SIZE] = {};
      curl.easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);

      const CURLcode code = curl.easy_perform(h);
      // The handle outlives these buffers; do not leave it pointing at them.
      curl.easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
      curl.easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
      curl.easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);
      curl.easy_setopt(h, CURLOPT_HEADERDATA, nullptr);
      curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, nullptr);
      if (code != CURLE_OK) {
        if (code == CURLE_ABORTED_BY_CALLBACK) {
          response.error = "export cancelled";
        } else if (code == CURLE_OPERATION_TIMEDOUT) {
          response.error = "timed out after " + std::to_string(timeout_ms) + " ms";
        } else {
          response.error = curl.easy_strerror(code);
        }
        return response;
      }
      long status = 0;
      curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      response.status = status;
    } catch (const std::exception& e) {
      response.status = 0;
      response.error = e.what();
    }
    return response;
  }

  void cancel() noexcept override { cancelled_.store(true, std::memory_order_relaxed); }

 private:
  static int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<CurlHttpTransport*>(self)->cancelled_.load(std::memory_order_relaxed) ? 1
                                                                                             : 0;
  }

  TlsOptions tls_;
  std::unique_ptr<CURL, EasyDeleter> handle_;
  std::string user_agent_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(TlsOptions tls) {
  return std::make_unique<CurlHttpTransport>(std::move(tls));
}

}  // namespace chaostracing
