// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/otlp_http_exporter.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <system_error>

#include "chaostracing/encode/otlp_json.hpp"
#include "chaostracing/encode/otlp_proto.hpp"
#include "fakes/fake_exporter.hpp"
#include "fakes/fake_http_transport.hpp"

namespace chaostracing {
namespace {

using testing::FakeHttpLog;
using testing::FakeHttpTransport;

std::string gunzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 16 + MAX_WBITS), Z_OK);
  std::string out(data.size() * 20 + 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

std::string header(const testing::RecordedRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<missing>";
}

const auto kDeadline = std::chrono::steady_clock::time_point::max();

TEST(OtlpHttpExporter, PostsProtobufWithHeaders) {
  auto log = std::make_shared<FakeHttpLog>();
  OtlpHttpOptions options;
  options.endpoint = "http://127.0.0.1:4318/v1/traces";
  options.headers = {{"api-key", "secret"}, {"Content-Type", "text/plain"}};
  OtlpHttpExporter exporter(options, std::make_unique<FakeHttpTransport>(log));
  EXPECT_EQ(exporter.describe(), "OTLP/HTTP http://127.0.0.1:4318/v1/traces");

  const std::vector<SpanData> spans{testing::make_span("a")};
  ASSERT_EQ(exporter.export_batch(spans, Resource{}, Scope{"s", ""}, kDeadline),
            ExportResult::kSuccess);
  ASSERT_EQ(log->requests.size(), 1u);
  const auto& r = log->requests[0];
  EXPECT_EQ(r.url, options.endpoint);
  EXPECT_EQ(r.body, encode_otlp_proto(spans, Resource{}, Scope{"s", ""}));
  EXPECT_EQ(header(r, "api-key"), "secret");
  EXPECT_EQ(header(r, "Content-Type"), "application/x-protobuf");
  EXPECT_EQ(header(r, "Content-Encoding"), "<missing>");
  EXPECT_EQ(r.headers.size(), 2u);  // the user's Content-Type was replaced
  EXPECT_EQ(exporter.last_error(), "");
}

TEST(OtlpHttpExporter, JsonWithGzip) {
  auto log = std::make_shared<FakeHttpLog>();
  OtlpHttpOptions options;
  options.protocol = OtlpHttpOptions::kHttpJson;
  options.compression = OtlpHttpOptions::kGzip;
  OtlpHttpExporter exporter(options, std::make_unique<FakeHttpTransport>(log));
  const std::vector<SpanData> spans{testing::make_span("a")};
  ASSERT_EQ(exporter.export_batch(spans, Resource{}, Scope{}, kDeadline), ExportResult::kSuccess);
  const auto& r = log->requests.at(0);
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
  EXPECT_EQ(gunzip(r.body), encode_otlp_json(spans, Resource{}, Scope{}));
}

TEST(OtlpHttpExporter, Non2xxIsFailureWithStatusInLastError) {
  auto log = std::make_shared<FakeHttpLog>();
  log->response = HttpResponse{.status = 503, .error = {}, .retry_after = {}};
  OtlpHttpOptions options;
  options.endpoint = "http://user:pw@127.0.0.1:1/v1/traces";
  OtlpHttpExporter exporter(options, std::make_unique<FakeHttpTransport>(log));
  const std::vector<SpanData> spans{testing::make_span("a")};
  EXPECT_EQ(exporter.export_batch(spans, Resource{}, Scope{}, kDeadline), ExportResult::kFailure);
  EXPECT_EQ(exporter.last_error(), "HTTP 503 from http://127.0.0.1:1/v1/traces");

  // A 4xx other than 408/429 will never be accepted: rejected, and said so.
  log->response = HttpResponse{.status = 404, .error = {}, .retry_after = {}};
  EXPECT_EQ(exporter.export_batch(spans, Resource{}, Scope{}, kDeadline), ExportResult::kRejected);
  EXPECT_EQ(exporter.last_error(),
            "HTTP 404 from http://127.0.0.1:1/v1/traces: the backend refused the batch; it is "
            "dropped, not retried");

  log->response =
      HttpResponse{.status = 0, .error = "Couldn't connect to server", .retry_after = {}};
  EXPECT_EQ(exporter.export_batch(spans, Resource{}, Scope{}, kDeadline), ExportResult::kFailure);
  EXPECT_EQ(exporter.last_error(), "Couldn't connect to server (http://127.0.0.1:1/v1/traces)");
  exporter.cancel();
  EXPECT_TRUE(log->cancelled);
}

TEST(OtlpHttpExporter, RejectsBadEndpointHeaderAndCertificate) {
  OtlpHttpOptions bad_endpoint;
  bad_endpoint.endpoint = "localhost:4318";
  EXPECT_THROW(OtlpHttpExporter(bad_endpoint, std::make_unique<FakeHttpTransport>(
                                                  std::make_shared<FakeHttpLog>())),
               std::invalid_argument);
  OtlpHttpOptions bad_header;
  bad_header.headers = {{"x", "a\r\nInjected: 1"}};
  try {
    OtlpHttpExporter exporter(bad_header,
                              std::make_unique<FakeHttpTransport>(std::make_shared<FakeHttpLog>()));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("Injected"), std::string::npos);
  }
  OtlpHttpOptions bad_cert;
  bad_cert.certificate = "/nonexistent/ca.pem";
  EXPECT_THROW(OtlpHttpExporter{bad_cert}, std::system_error);
}

}  // namespace
}  // namespace chaostracing
