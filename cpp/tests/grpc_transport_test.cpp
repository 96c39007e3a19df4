// SPDX-License-Identifier: Apache-2.0
// The gRPC C++ transport against a real in-process gRPC server (a generic service that
// records what it gets), on a loopback port.
#include "chaostracing/transport/grpc_transport.hpp"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace chaostracing {
namespace {

struct Received {
  std::string method;
  std::string body;
  std::multimap<std::string, std::string> metadata;
};

// Answers every unary call with an empty message and `status`; with hang=true it never
// answers (until the client gives up).
class RecordingService final : public grpc::CallbackGenericService {
 public:
  grpc::Status status;
  bool hang = false;

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new Reactor(this, context);
  }

  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    Reactor(RecordingService* service, grpc::GenericCallbackServerContext* context)
        : service_(service), context_(context) {
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
        return;
      }
      Received received{context_->method(), {}, {}};
      std::vector<grpc::Slice> slices;
      (void)request_.Dump(&slices);
      for (const auto& slice : slices) {
        received.body.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
      for (const auto& [key, value] : context_->client_metadata()) {
        received.metadata.emplace(std::string(key.data(), key.size()),
                                  std::string(value.data(), value.size()));
      }
      {
        std::lock_guard lock(service_->mu_);
        service_->received_.push_back(std::move(received));
      }
      if (service_->hang) return;  // OnCancel finishes
      if (!service_->status.ok()) {
        Finish(service_->status);
        return;
      }
      // An empty message (ExportTraceServiceResponse with nothing set) needs a real buffer.
      grpc::Slice empty;
      response_ = grpc::ByteBuffer(&empty, 1);
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnCancel() override {
      if (service_->hang) Finish(grpc::Status::CANCELLED);
    }
    void OnDone() override { delete this; }

   private:
    RecordingService* service_;
    grpc::GenericCallbackServerContext* context_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };

  std::mutex mu_;
  std::vector<Received> received_;
};

class GrpcServer {
 public:
  GrpcServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterCallbackGenericService(&service);
    server_ = builder.BuildAndStart();
  }
  ~GrpcServer() { server_->Shutdown(std::chrono::system_clock::now()); }

  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }

  RecordingService service;

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST(GrpcTransport, SendsTheRequestBytesAndMetadata) {
  GrpcServer server;
  auto transport = make_grpc_transport(GrpcChannelOptions{.target = server.target()});
  const std::vector<GrpcMetadata> metadata{{"x-tenant", "team"}};
  const std::string request("\x0a\x00\xff", 3);
  const GrpcStatus status = transport->unary_call(
      GrpcCall{.method = "/pkg.Service/Method", .metadata = metadata, .request = request});
  EXPECT_EQ(status.code, 0) << status.message;
  const auto received = server.service.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "/pkg.Service/Method");
  EXPECT_EQ(received[0].body, request);
  ASSERT_EQ(received[0].metadata.count("x-tenant"), 1u);
  EXPECT_EQ(received[0].metadata.find("x-tenant")->second, "team");
  EXPECT_TRUE(received[0].metadata.find("user-agent")->second.starts_with("chaostracing/"));
}

TEST(GrpcTransport, GzipRequestArrivesIntact) {
  GrpcServer server;
  auto transport = make_grpc_transport(GrpcChannelOptions{.target = server.target()});
  const std::string request(10000, 'z');
  EXPECT_EQ(
      transport->unary_call(GrpcCall{.method = "/p.S/M", .request = request, .gzip = true}).code,
      0);
  EXPECT_EQ(server.service.received().at(0).body, request);
}

TEST(GrpcTransport, ServerStatusComesBack) {
  GrpcServer server;
  server.service.status = grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no such method");
  auto transport = make_grpc_transport(GrpcChannelOptions{.target = server.target()});
  const GrpcStatus status = transport->unary_call(GrpcCall{.method = "/p.S/M", .request = "x"});
  EXPECT_EQ(status.code, 12);
  EXPECT_EQ(status.message, "no such method");
  EXPECT_EQ(grpc_code_name(status.code), "UNIMPLEMENTED");
  EXPECT_EQ(grpc_code_name(99), "CODE_99");
}

TEST(GrpcTransport, DeadlineBoundsACallTheServerNeverAnswers) {
  GrpcServer server;
  server.service.hang = true;
  auto transport = make_grpc_transport(GrpcChannelOptions{.target = server.target()});
  const auto start = std::chrono::steady_clock::now();
  const GrpcStatus status = transport->unary_call(
      GrpcCall{.method = "/p.S/M", .request = "x", .timeout = std::chrono::milliseconds(300)});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status.code, 4);  // DEADLINE_EXCEEDED
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(GrpcTransport, CancelStopsAnInFlightCallAndLaterOnes) {
  GrpcServer server;
  server.service.hang = true;
  auto transport = make_grpc_transport(GrpcChannelOptions{.target = server.target()});
  GrpcStatus status;
  std::thread caller([&] {
    status = transport->unary_call(
        GrpcCall{.method = "/p.S/M", .request = "x", .timeout = std::chrono::seconds(30)});
  });
  // Cancel once the server has the call (polling a condition, not timing a race).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server.service.received().empty() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  transport->cancel();
  caller.join();
  EXPECT_EQ(status.code, 1);  // CANCELLED
  EXPECT_EQ(transport->unary_call(GrpcCall{.method = "/p.S/M", .request = "x"}).code, 1);
}

TEST(GrpcTransport, NobodyListeningIsUnavailable) {
  int port = 0;
  {
    grpc::ServerBuilder builder;  // take a free port, then close it
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    RecordingService service;
    builder.RegisterCallbackGenericService(&service);
    builder.BuildAndStart()->Shutdown();
  }
  auto transport =
      make_grpc_transport(GrpcChannelOptions{.target = "127.0.0.1:" + std::to_string(port)});
  const GrpcStatus status = transport->unary_call(
      GrpcCall{.method = "/p.S/M", .request = "x", .timeout = std::chrono::seconds(5)});
  EXPECT_EQ(status.code, 14) << status.message;  // UNAVAILABLE
}

}  // namespace
}  // namespace chaostracing
