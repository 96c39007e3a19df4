// SPDX-License-Identifier: Apache-2.0
// gRPC C++ implementation of GrpcTransport: grpc::GenericStub sends our serialized request as
// a raw ByteBuffer, so the hand-written protobuf encoder needs no protoc-generated stubs.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>

#include "chaostracing/transport/grpc_transport.hpp"
#include "chaostracing/version.hpp"

namespace chaostracing {

GrpcTransport::~GrpcTransport() = default;

std::string grpc_code_name(int code) {
  static constexpr const char* kNames[] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  if (code >= 0 && code < static_cast<int>(std::size(kNames))) return kNames[code];
  return "CODE_" + std::to_string(code);
}

namespace {

std::string read_file(const std::string& path, const char* what) {
  if (path.empty()) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::system_error(errno, std::generic_category(),
                            std::string("cannot read ") + what + " '" + path + "'");
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::shared_ptr<grpc::ChannelCredentials> credentials(const GrpcChannelOptions& options) {
  if (!options.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = read_file(options.certificate, "certificate");
  ssl.pem_cert_chain = read_file(options.client_certificate, "client certificate");
  ssl.pem_private_key = read_file(options.client_key, "client key");
  return grpc::SslCredentials(ssl);
}

std::chrono::system_clock::time_point call_deadline(const GrpcCall& call) {
  const auto steady_now = std::chrono::steady_clock::now();
  auto remaining = std::chrono::duration_cast<std::chrono::system_clock::duration>(call.timeout);
  if (call.deadline != std::chrono::steady_clock::time_point::max()) {
    remaining = std::min(remaining, std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                        call.deadline - steady_now));
  }
  return std::chrono::system_clock::now() + remaining;
}

class GrpcGenericTransport final : public GrpcTransport {
 public:
  explicit GrpcGenericTransport(const GrpcChannelOptions& options) {
    grpc::ChannelArguments arguments;
    arguments.SetUserAgentPrefix("chaostracing/" + std::string(version()));
    channel_ = grpc::CreateCustomChannel(options.target, credentials(options), arguments);
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }

  GrpcStatus unary_call(const GrpcCall& call) noexcept override {
    try {
      return call_once(call);
    } catch (const std::exception& e) {
      return GrpcStatus{static_cast<int>(grpc::StatusCode::INTERNAL), e.what()};
    }
  }

  void cancel() noexcept override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    if (in_flight_ != nullptr) in_flight_->TryCancel();
  }

 private:
  GrpcStatus call_once(const GrpcCall& call) {
    const auto deadline = call_deadline(call);
    if (deadline <= std::chrono::system_clock::now()) {
      return GrpcStatus{static_cast<int>(grpc::StatusCode::DEADLINE_EXCEEDED),
                        "export deadline passed before sending"};
    }
    grpc::ClientContext context;
    context.set_deadline(deadline);
    for (const auto& [key, value] : call.metadata) context.AddMetadata(key, value);
    if (call.gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);

    grpc::Slice slice(call.request.data(), call.request.size());
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;  // an ExportTraceServiceResponse; partial success is not read

    // The callback API plus a condition variable, rather than a blocking call, so that
    // cancel() can reach the in-flight context.
    std::mutex done_mu;
    std::condition_variable done_cv;
    bool done = false;
    grpc::Status status;
    {
      std::lock_guard lock(mu_);
      if (cancelled_) {
        return GrpcStatus{static_cast<int>(grpc::StatusCode::CANCELLED), "export cancelled"};
      }
      in_flight_ = &context;
    }
    stub_->UnaryCall(&context, std::string(call.method), grpc::StubOptions(), &request, &response,
                     [&](grpc::Status result) {
                       std::lock_guard lock(done_mu);
                       status = std::move(result);
                       done = true;
                       done_cv.notify_one();
                     });
    {
      // The context's deadline guarantees the callback runs.
      std::unique_lock lock(done_mu);
      done_cv.wait(lock, [&] { return done; });
    }
    {
      std::lock_guard lock(mu_);
      in_flight_ = nullptr;
    }
    return GrpcStatus{static_cast<int>(status.error_code()), status.error_message()};
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::mutex mu_;
  bool cancelled_ = false;
  grpc::ClientContext* in_flight_ = nullptr;
};

}  // namespace

std::unique_ptr<GrpcTransport> make_grpc_transport(const GrpcChannelOptions& options) {
  return std::make_unique<GrpcGenericTransport>(options);
}

}  // namespace chaostracing
