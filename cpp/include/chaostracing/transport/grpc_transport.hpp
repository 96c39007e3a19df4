// SPDX-License-Identifier: Apache-2.0
// GrpcTransport: one unary gRPC call with an already-serialized request message (so no
// generated code is needed) and its status. unary_call() is never called concurrently on one
// instance; cancel() may be called from any thread and makes an in-flight call fail promptly,
// as well as every later one. Nothing throws past make_grpc_transport(), which builds the
// gRPC C++ implementation (one channel, reused) and throws std::system_error for an
// unreadable certificate or key file.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace chaostracing {

using GrpcMetadata = std::pair<std::string, std::string>;

struct GrpcCall {
  std::string_view method{};  // "/package.Service/Method"
  std::span<const GrpcMetadata> metadata{};
  std::string_view request{};
  bool gzip = false;
  // The call's deadline is the earlier of now + timeout and deadline.
  std::chrono::milliseconds timeout{10000};
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

struct GrpcStatus {
  int code = 0;           // grpc::StatusCode: 0 OK, 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE...
  std::string message{};  // gRPC's error text
};

// "OK", "UNAVAILABLE", ... ("CODE_<n>" for a code gRPC does not define).
std::string grpc_code_name(int code);

class GrpcTransport {
 public:
  GrpcTransport() = default;
  GrpcTransport(const GrpcTransport&) = delete;
  GrpcTransport& operator=(const GrpcTransport&) = delete;
  virtual ~GrpcTransport();

  virtual GrpcStatus unary_call(const GrpcCall& call) noexcept = 0;
  virtual void cancel() noexcept = 0;
};

struct GrpcChannelOptions {
  std::string target{};  // host:port, [v6]:port
  bool tls = false;
  std::string certificate{};  // CA bundle (PEM) used instead of the system store
  std::string client_certificate{};
  std::string client_key{};
};

std::unique_ptr<GrpcTransport> make_grpc_transport(const GrpcChannelOptions& options);

}  // namespace chaostracing
