// SPDX-License-Identifier: Apache-2.0
// FakeGrpcTransport: records calls (copied) and answers with a preset status.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "chaostracing/transport/grpc_transport.hpp"

namespace chaostracing::testing {

struct RecordedGrpcCall {
  std::string method;
  std::vector<GrpcMetadata> metadata;
  std::string request;
  bool gzip = false;
  std::chrono::milliseconds timeout{};
};

struct FakeGrpcLog {
  std::vector<RecordedGrpcCall> calls;
  GrpcStatus status;
  bool cancelled = false;
};

class FakeGrpcTransport final : public GrpcTransport {
 public:
  explicit FakeGrpcTransport(std::shared_ptr<FakeGrpcLog> log) : log_(std::move(log)) {}

  GrpcStatus unary_call(const GrpcCall& call) noexcept override {
    log_->calls.push_back(RecordedGrpcCall{std::string(call.method),
                                           {call.metadata.begin(), call.metadata.end()},
                                           std::string(call.request),
                                           call.gzip,
                                           call.timeout});
    return log_->status;
  }
  void cancel() noexcept override { log_->cancelled = true; }

 private:
  std::shared_ptr<FakeGrpcLog> log_;
};

}  // namespace chaostracing::testing
