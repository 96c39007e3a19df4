// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/jaeger_http_exporter.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "chaostracing/encode/jaeger_thrift.hpp"
#include "fakes/fake_http_transport.hpp"

namespace chaostracing {
namespace {

using testing::FakeHttpLog;
using testing::FakeHttpTransport;

constexpr auto kFarDeadline = std::chrono::steady_clock::time_point::max();
const Resource kResource{{Attribute{"service.name", std::string("svc")}}};

std::vector<SpanData> one_span() {
  SpanData span;
  span.trace_id[15] = 1;
  span.span_id = 2;
  span.name = "s";
  return {span};
}

TEST(JaegerHttpExporter, PostsABinaryThriftBatch) {
  auto log = std::make_shared<FakeHttpLog>();
  log->response.status = 202;
  JaegerHttpExporter exporter(JaegerHttpOptions{.endpoint = "http://127.0.0.1:14268/api/traces",
                                                .headers = {{"Authorization", "Bearer x"}},
                                                .timeout = std::chrono::milliseconds(1234)},
                              std::make_unique<FakeHttpTransport>(log));
  ASSERT_EQ(exporter.export_batch(one_span(), kResource, Scope{}, kFarDeadline),
            ExportResult::kSuccess);
  ASSERT_EQ(log->requests.size(), 1u);
  EXPECT_EQ(log->requests[0].body, encode_jaeger_batch_binary(one_span(), kResource, Scope{}));
  const std::vector<HttpHeader> expected{{"Authorization", "Bearer x"},
                                         {"Content-Type", "application/x-thrift"}};
  EXPECT_EQ(log->requests[0].headers, expected);
  EXPECT_EQ(log->requests[0].timeout, std::chrono::milliseconds(1234));
  EXPECT_EQ(exporter.describe(), "Jaeger Thrift/HTTP http://127.0.0.1:14268/api/traces");
}

TEST(JaegerHttpExporter, NonSuccessStatusIsAFailureNamingTheUrl) {
  auto log = std::make_shared<FakeHttpLog>();
  log->response.status = 404;
  JaegerHttpExporter exporter(JaegerHttpOptions{}, std::make_unique<FakeHttpTransport>(log));
  EXPECT_EQ(exporter.export_batch(one_span(), kResource, Scope{}, kFarDeadline),
            ExportResult::kRejected);
  EXPECT_EQ(exporter.last_error(),
            "HTTP 404 from http://localhost:14268/api/traces: the backend refused the batch; it "
            "is dropped, not retried");
  log->response.status = 502;
  EXPECT_EQ(exporter.export_batch(one_span(), kResource, Scope{}, kFarDeadline),
            ExportResult::kFailure);
  EXPECT_EQ(exporter.last_error(), "HTTP 502 from http://localhost:14268/api/traces");
  exporter.cancel();
  EXPECT_TRUE(log->cancelled);
}

TEST(JaegerHttpExporter, RejectsBadOptions) {
  EXPECT_THROW(
      JaegerHttpExporter(JaegerHttpOptions{.endpoint = "udp://agent:6831"},
                         std::make_unique<FakeHttpTransport>(std::make_shared<FakeHttpLog>())),
      std::invalid_argument);
}

}  // namespace
}  // namespace chaostracing
