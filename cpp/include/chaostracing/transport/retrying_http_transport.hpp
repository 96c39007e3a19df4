// SPDX-License-Identifier: Apache-2.0
// RetryingHttpTransport: an HttpTransport decorator that repeats a POST on connection errors
// and on 429/502/503/504, waiting per RetryPolicy (or the server's Retry-After), never past
// the request's deadline: when the next wait would end after it, the last response is
// returned. After a request failed that way, the next one gets a single attempt until one
// succeeds again, so a dead backend costs one export timeout, not one per batch. Same
// threading contract as HttpTransport: post() is never concurrent; cancel() from any thread
// ends a wait at once. Nothing throws.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include "chaostracing/retry_policy.hpp"
#include "chaostracing/transport/http_transport.hpp"

namespace chaostracing {

struct RetryHooks {
  // Uniform in [0, 1); default: a per-transport Mersenne Twister seeded from random_device.
  std::function<double()> random;
  // Waits until `until` or until cancelled (returns false then). Default: a condition
  // variable that cancel() notifies. Tests record the waits instead.
  std::function<bool(std::chrono::steady_clock::time_point until)> wait;
};

class RetryingHttpTransport final : public HttpTransport {
 public:
  RetryingHttpTransport(std::unique_ptr<HttpTransport> inner, RetryPolicy policy = {},
                        RetryHooks hooks = {});
  ~RetryingHttpTransport() override;

  HttpResponse post(const HttpRequest& request) noexcept override;
  void cancel() noexcept override;

  // Retries made so far (for tests and diagnostics).
  std::uint64_t retries() const noexcept { return retries_.load(std::memory_order_relaxed); }

 private:
  bool wait_until(std::chrono::steady_clock::time_point until) noexcept;

  std::unique_ptr<HttpTransport> inner_;
  RetryPolicy policy_;
  RetryHooks hooks_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;  // guarded by mu_
  bool failing_ = false;    // only touched by post()
  std::atomic<std::uint64_t> retries_{0};
};

// The libcurl transport (make_curl_transport) behind a RetryingHttpTransport.
std::unique_ptr<HttpTransport> make_retrying_curl_transport(TlsOptions tls,
                                                            RetryPolicy policy = {});

}  // namespace chaostracing
