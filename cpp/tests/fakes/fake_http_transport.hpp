// SPDX-License-Identifier: Apache-2.0
// FakeHttpTransport: records requests (copied) and answers with a preset response.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "chaostracing/transport/http_transport.hpp"

namespace chaostracing::testing {

struct RecordedRequest {
  std::string url;
  std::vector<HttpHeader> headers;
  std::string body;
  std::chrono::milliseconds timeout{};
};

struct FakeHttpLog {
  std::vector<RecordedRequest> requests;
  HttpResponse response{.status = 200, .error = {}, .retry_after = {}};
  bool cancelled = false;
};

class FakeHttpTransport final : public HttpTransport {
 public:
  explicit FakeHttpTransport(std::shared_ptr<FakeHttpLog> log) : log_(std::move(log)) {}

  HttpResponse post(const HttpRequest& request) noexcept override {
    log_->requests.push_back(RecordedRequest{std::string(request.url),
                                             {request.headers.begin(), request.headers.end()},
                                             std::string(request.body),
                                             request.timeout});
    return log_->response;
  }
  void cancel() noexcept override { log_->cancelled = true; }

 private:
  std::shared_ptr<FakeHttpLog> log_;
};

}  // namespace chaostracing::testing
