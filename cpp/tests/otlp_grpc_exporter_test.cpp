// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/otlp_grpc_exporter.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "chaostracing/encode/otlp_proto.hpp"
#include "fakes/fake_grpc_transport.hpp"

namespace chaostracing {
namespace {

using testing::FakeGrpcLog;
using testing::FakeGrpcTransport;

constexpr auto kFarDeadline = std::chrono::steady_clock::time_point::max();
const Resource kResource{{Attribute{"service.name", std::string("svc")}}};

std::vector<SpanData> one_span() {
  SpanData span;
  span.trace_id[15] = 1;
  span.span_id = 2;
  span.name = "s";
  return {span};
}

TEST(OtlpGrpcExporter, CallsTraceServiceExportWithTheProtobufRequest) {
  auto log = std::make_shared<FakeGrpcLog>();
  OtlpGrpcExporter exporter(
      OtlpGrpcOptions{.endpoint = "http://127.0.0.1:4317",
                      .headers = {{"X-Tenant", "team"}, {"Authorization", "Bearer s"}},
                      .compression = OtlpGrpcOptions::kGzip,
                      .timeout = std::chrono::milliseconds(2500)},
      std::make_unique<FakeGrpcTransport>(log));
  ASSERT_EQ(exporter.export_batch(one_span(), kResource, Scope{"n", "1"}, kFarDeadline),
            ExportResult::kSuccess);
  ASSERT_EQ(log->calls.size(), 1u);
  const auto& call = log->calls[0];
  EXPECT_EQ(call.method, "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
  EXPECT_EQ(call.request, encode_otlp_proto(one_span(), kResource, Scope{"n", "1"}));
  const std::vector<GrpcMetadata> metadata{{"x-tenant", "team"}, {"authorization", "Bearer s"}};
  EXPECT_EQ(call.metadata, metadata);
  EXPECT_TRUE(call.gzip);
  EXPECT_EQ(call.timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(exporter.describe(), "OTLP/gRPC http://127.0.0.1:4317");
}

TEST(OtlpGrpcExporter, NonOkStatusIsAFailureWithTheStatusText) {
  auto log = std::make_shared<FakeGrpcLog>();
  log->status = GrpcStatus{14, "failed to connect to all addresses"};
  OtlpGrpcExporter exporter(OtlpGrpcOptions{.endpoint = "https://u:p@collector:4317"},
                            std::make_unique<FakeGrpcTransport>(log));
  EXPECT_EQ(exporter.export_batch(one_span(), kResource, Scope{}, kFarDeadline),
            ExportResult::kFailure);
  EXPECT_EQ(exporter.last_error(),
            "gRPC UNAVAILABLE from https://collector:4317: failed to connect to all addresses");
  log->status = GrpcStatus{12, "unknown service"};
  EXPECT_EQ(exporter.export_batch(one_span(), kResource, Scope{}, kFarDeadline),
            ExportResult::kRejected);
  EXPECT_EQ(exporter.last_error(),
            "gRPC UNIMPLEMENTED from https://collector:4317: unknown service (the backend refused "
            "the batch; it is dropped, not retried)");
  exporter.cancel();
  EXPECT_TRUE(log->cancelled);
}

TEST(OtlpGrpcExporter, OnlyCodesOtlpCallsRetryableAreKeptForLater) {
  for (int code : {1, 4, 8, 10, 11, 14, 15}) {
    EXPECT_FALSE(OtlpGrpcExporter::is_rejected_grpc_code(code)) << code;
  }
  for (int code : {2, 3, 5, 6, 7, 9, 12, 13, 16}) {
    EXPECT_TRUE(OtlpGrpcExporter::is_rejected_grpc_code(code)) << code;
  }
  EXPECT_FALSE(OtlpGrpcExporter::is_rejected_grpc_code(0));
}

TEST(OtlpGrpcExporter, ChannelOptionsComeFromTheEndpoint) {
  auto options = OtlpGrpcExporter::channel_options(
      OtlpGrpcOptions{.endpoint = "http://127.0.0.1:4317/ignored/path"});
  EXPECT_EQ(options.target, "127.0.0.1:4317");
  EXPECT_FALSE(options.tls);
  options = OtlpGrpcExporter::channel_options(
      OtlpGrpcOptions{.endpoint = "HTTPS://collector", .certificate = "/ca.pem"});
  EXPECT_EQ(options.target, "collector:443");
  EXPECT_TRUE(options.tls);
  EXPECT_EQ(options.certificate, "/ca.pem");
  EXPECT_EQ(OtlpGrpcExporter::channel_options(OtlpGrpcOptions{.endpoint = "http://[::1]"}).target,
            "[::1]:80");
  EXPECT_EQ(
      OtlpGrpcExporter::channel_options(OtlpGrpcOptions{.endpoint = "http://u@[::1]:9/"}).target,
      "[::1]:9");
}

TEST(OtlpGrpcExporter, RejectsBadOptions) {
  const auto make = [](OtlpGrpcOptions options) {
    OtlpGrpcExporter(std::move(options),
                     std::make_unique<FakeGrpcTransport>(std::make_shared<FakeGrpcLog>()));
  };
  EXPECT_THROW(make(OtlpGrpcOptions{.endpoint = "127.0.0.1:4317"}), std::invalid_argument);
  EXPECT_THROW(make(OtlpGrpcOptions{.headers = {{"grpc-timeout", "1"}}}), std::invalid_argument);
  EXPECT_THROW(make(OtlpGrpcOptions{.headers = {{"x", "caf\xc3\xa9"}}}), std::invalid_argument);
  EXPECT_THROW(make(OtlpGrpcOptions{.timeout = std::chrono::milliseconds(-1)}),
               std::invalid_argument);
  // Binary metadata may carry any byte.
  EXPECT_NO_THROW(make(OtlpGrpcOptions{.headers = {{"x-bin", "caf\xc3\xa9"}}}));
}

TEST(OtlpGrpcExporter, UnreadableCertificateThrowsSystemError) {
  EXPECT_THROW(OtlpGrpcExporter(OtlpGrpcOptions{.endpoint = "https://collector:4317",
                                                .certificate = "/no/such/ca.pem"}),
               std::system_error);
}

}  // namespace
}  // namespace chaostracing
