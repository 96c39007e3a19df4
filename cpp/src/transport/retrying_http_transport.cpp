// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/transport/retrying_http_transport.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>

namespace chaostracing {
namespace {

using Clock = std::chrono::steady_clock;

bool is_cancelled(const HttpResponse& response) {
  return response.status == 0 && response.error == "export cancelled";
}

bool succeeded(const HttpResponse& response) {
  return response.status >= 200 && response.status < 300;
}

}  // namespace

RetryingHttpTransport::RetryingHttpTransport(std::unique_ptr<HttpTransport> inner,
                                             RetryPolicy policy, RetryHooks hooks)
    : inner_(std::move(inner)), policy_(policy), hooks_(std::move(hooks)) {
  if (!inner_) throw std::invalid_argument("RetryingHttpTransport needs a transport");
  if (!hooks_.random) {
    hooks_.random = [engine = std::mt19937_64(std::random_device{}())]() mutable {
      return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
  }
}

RetryingHttpTransport::~RetryingHttpTransport() = default;

bool RetryingHttpTransport::wait_until(Clock::time_point until) noexcept {
  if (hooks_.wait) {
    try {
      return hooks_.wait(until);
    } catch (...) {
      return false;
    }
  }
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, until, [&] { return cancelled_; });
  return !cancelled_;
}

HttpResponse RetryingHttpTransport::post(const HttpRequest& request) noexcept {
  const auto now = Clock::now();
  // The same end as the inner transport's: the earlier of now + timeout and the deadline.
  auto end = request.deadline;
  if (request.timeout.count() > 0 && now + request.timeout < end) end = now + request.timeout;

  HttpRequest attempt = request;
  attempt.deadline = end;
  HttpResponse response = inner_->post(attempt);
  for (unsigned retry = 1;; ++retry) {
    if (succeeded(response) || !is_retryable_status(response.status) || is_cancelled(response)) {
      failing_ = false;
      return response;
    }
    if (failing_) return response;  // the previous request already used its retries: one try
    std::chrono::milliseconds delay{};
    double unit = 0.5;
    try {
      unit = hooks_.random();
    } catch (...) {
    }
    delay = backoff_delay(policy_, retry, unit);
    if (response.status != 0 && !response.retry_after.empty()) {
      try {
        if (auto after =
                parse_retry_after(response.retry_after, std::chrono::system_clock::now())) {
          delay = std::min(*after, policy_.max_retry_after);
        }
      } catch (...) {
      }
    }
    const auto next = Clock::now() + delay;
    // No time left for another attempt after the wait: report this one.
    if (next >= end) {
      failing_ = true;
      return response;
    }
    if (!wait_until(next)) {
      failing_ = true;
      response.status = 0;
      response.error = "export cancelled";
      return response;
    }
    retries_.fetch_add(1, std::memory_order_relaxed);
    response = inner_->post(attempt);
  }
}

void RetryingHttpTransport::cancel() noexcept {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
  inner_->cancel();
}

std::unique_ptr<HttpTransport> make_retrying_curl_transport(TlsOptions tls, RetryPolicy policy) {
  return std::make_unique<RetryingHttpTransport>(make_curl_transport(std::move(tls)), policy);
}

}  // namespace chaostracing
