// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/zipkin_exporter.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <stdexcept>

#include "chaostracing/encode/zipkin_json.hpp"
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
  span.start_time_unix_nano = 1'000'000;
  span.end_time_unix_nano = 2'000'000;
  return {span};
}

std::string gunzip(const std::string& data) {
  z_stream stream{};
  inflateInit2(&stream, 16 + MAX_WBITS);
  std::string out(1 << 16, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST(ZipkinExporter, PostsJsonArrayWithHeaders) {
  auto log = std::make_shared<FakeHttpLog>();
  log->response.status = 202;
  ZipkinExporter exporter(
      ZipkinOptions{.endpoint = "http://user:pw@127.0.0.1:9411/api/v2/spans",
                    .headers = {{"X-Tenant", "t"}, {"content-type", "text/plain"}}},
      std::make_unique<FakeHttpTransport>(log));
  ASSERT_EQ(exporter.export_batch(one_span(), kResource, Scope{}, kFarDeadline),
            ExportResult::kSuccess);
  ASSERT_EQ(log->requests.size(), 1u);
  EXPECT_EQ(log->requests[0].url, "http://user:pw@127.0.0.1:9411/api/v2/spans");
  EXPECT_EQ(log->requests[0].body, encode_zipkin_json(one_span(), kResource, Scope{}));
  const std::vector<HttpHeader> expected{{"X-Tenant", "t"}, {"Content-Type", "application/json"}};
  EXPECT_EQ(log->requests[0].headers, expected);
  EXPECT_EQ(exporter.describe(), "Zipkin http://127.0.0.1:9411/api/v2/spans");
}

TEST(ZipkinExporter, GzipsWhenAsked) {
  auto log = std::make_shared<FakeHttpLog>();
  ZipkinExporter exporter(ZipkinOptions{.compression = ZipkinOptions::kGzip},
                          std::make_unique<FakeHttpTransport>(log));
  ASSERT_EQ(exporter.export_batch(one_span(), kResource, Scope{}, kFarDeadline),
            ExportResult::kSuccess);
  EXPECT_EQ(gunzip(log->requests.at(0).body), encode_zipkin_json(one_span(), kResource, Scope{}));
  EXPECT_EQ(log->requests[0].headers.back(), (HttpHeader{"Content-Encoding", "gzip"}));
}

TEST(ZipkinExporter, FailuresNameTheEndpointWithoutCredentials) {
  auto log = std::make_shared<FakeHttpLog>();
  log->response.status = 400;
  ZipkinExporter exporter(ZipkinOptions{.endpoint = "http://u:secret@zipkin:9411/api/v2/spans"},
                          std::make_unique<FakeHttpTransport>(log));
  EXPECT_EQ(exporter.export_batch(one_span(), kResource, Scope{}, kFarDeadline),
            ExportResult::kRejected);
  EXPECT_EQ(exporter.last_error(),
            "HTTP 400 from http://zipkin:9411/api/v2/spans: the backend refused the batch; it "
            "is dropped, not retried");
  log->response.status = 503;
  EXPECT_EQ(exporter.export_batch(one_span(), kResource, Scope{}, kFarDeadline),
            ExportResult::kFailure);
  EXPECT_EQ(exporter.last_error(), "HTTP 503 from http://zipkin:9411/api/v2/spans");
  log->response = HttpResponse{};
  log->response.error = "Couldn't connect to server";
  EXPECT_EQ(exporter.export_batch(one_span(), kResource, Scope{}, kFarDeadline),
            ExportResult::kFailure);
  EXPECT_EQ(exporter.last_error(), "Couldn't connect to server (http://zipkin:9411/api/v2/spans)");
}

TEST(ZipkinExporter, RejectsBadOptions) {
  const auto make = [](ZipkinOptions options) {
    ZipkinExporter(std::move(options),
                   std::make_unique<FakeHttpTransport>(std::make_shared<FakeHttpLog>()));
  };
  EXPECT_THROW(make(ZipkinOptions{.endpoint = "zipkin:9411"}), std::invalid_argument);
  EXPECT_THROW(make(ZipkinOptions{.headers = {{"bad name", "v"}}}), std::invalid_argument);
  EXPECT_THROW(make(ZipkinOptions{.timeout = std::chrono::milliseconds(0)}), std::invalid_argument);
}

}  // namespace
}  // namespace chaostracing
