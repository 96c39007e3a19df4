// SPDX-License-Identifier: Apache-2.0
// OtlpGrpcExporter: OTLP/gRPC (TraceService/Export, port 4317) with our protobuf encoding as
// the request, over a GrpcTransport. An http:// endpoint is plaintext, https:// is TLS; the
// path is not used. Headers become metadata with lower-cased keys; each call's deadline is the
// export timeout. Status OK is success; a code OTLP says never to retry is kRejected; anything
// else is kFailure; last_error() says e.g. "gRPC UNAVAILABLE from http://127.0.0.1:4317:
// failed to connect ...". The constructor throws std::invalid_argument for an invalid
// endpoint, header or timeout and std::system_error for an unreadable certificate or key file.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chaostracing/exporter.hpp"
#include "chaostracing/transport/grpc_transport.hpp"

namespace chaostracing {

struct OtlpGrpcOptions {
  enum Compression { kNone, kGzip };

  std::string endpoint = "http://localhost:4317";
  std::vector<std::pair<std::string, std::string>> headers{};
  Compression compression = kNone;
  std::chrono::milliseconds timeout{10000};
  std::string certificate{};
  std::string client_certificate{};
  std::string client_key{};
};

inline constexpr std::string_view kOtlpGrpcTraceExportMethod =
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

class OtlpGrpcExporter final : public Exporter {
 public:
  explicit OtlpGrpcExporter(const OtlpGrpcOptions& options);
  // For tests: any transport (the endpoint is still checked; TLS options are ignored).
  OtlpGrpcExporter(OtlpGrpcOptions options, std::unique_ptr<GrpcTransport> transport);
  ~OtlpGrpcExporter() override;

  ExportResult export_batch(std::span<const SpanData> spans, const Resource& resource,
                            const Scope& scope,
                            std::chrono::steady_clock::time_point deadline) noexcept override;
  void cancel() noexcept override;
  std::string describe() const override;

  // The channel settings an endpoint URL stands for: host:port (the scheme's port, 80 or
  // 443, when none is given) and TLS for https. Throws std::invalid_argument.
  static GrpcChannelOptions channel_options(const OtlpGrpcOptions& options);

  // True for the status codes OTLP says never to retry (INVALID_ARGUMENT, UNIMPLEMENTED...).
  static bool is_rejected_grpc_code(int code) noexcept;

 private:
  OtlpGrpcOptions options_;
  std::string display_url_;
  std::vector<GrpcMetadata> metadata_;
  std::unique_ptr<GrpcTransport> transport_;
};

}  // namespace chaostracing
