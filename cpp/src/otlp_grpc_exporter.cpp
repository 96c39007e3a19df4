// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/otlp_grpc_exporter.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "chaostracing/encode/otlp_proto.hpp"
#include "chaostracing/otel_env.hpp"
#include "detail/http_exporter_support.hpp"

namespace chaostracing {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// https://grpc.io/docs/guides/metadata/: keys are lower-case, "grpc-" is reserved, and only
// "-bin" keys may carry bytes outside printable ASCII.
std::vector<GrpcMetadata> metadata_of(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<GrpcMetadata> metadata;
  for (const auto& [name, value] : headers) {
    if (auto error = validate_header(name, value)) throw std::invalid_argument(*error);
    std::string key = lower(name);
    if (key.starts_with("grpc-")) {
      throw std::invalid_argument("header '" + name + "' is reserved by gRPC");
    }
    if (!key.ends_with("-bin")) {
      for (unsigned char c : value) {
        if (c < 0x20 || c > 0x7e) {
          throw std::invalid_argument("header '" + name +
                                      "' has characters gRPC metadata cannot carry (printable "
                                      "ASCII only)");
        }
      }
    }
    metadata.emplace_back(std::move(key), value);
  }
  return metadata;
}

}  // namespace

// https://opentelemetry.io/docs/specs/otlp/#failures: CANCELLED, DEADLINE_EXCEEDED, ABORTED,
// OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS and RESOURCE_EXHAUSTED may succeed later; the others
// will not.
bool OtlpGrpcExporter::is_rejected_grpc_code(int code) noexcept {
  switch (code) {
    case 1:   // CANCELLED
    case 4:   // DEADLINE_EXCEEDED
    case 8:   // RESOURCE_EXHAUSTED
    case 10:  // ABORTED
    case 11:  // OUT_OF_RANGE
    case 14:  // UNAVAILABLE
    case 15:  // DATA_LOSS
      return false;
    default:
      return code != 0;
  }
}

GrpcChannelOptions OtlpGrpcExporter::channel_options(const OtlpGrpcOptions& options) {
  if (auto error = validate_endpoint(options.endpoint)) throw std::invalid_argument(*error);
  const bool tls = starts_with_ci(options.endpoint, "https://");
  const std::string_view url = options.endpoint;
  const std::size_t begin = url.find("://") + 3;
  const std::size_t end = std::min(url.find_first_of("/?#", begin), url.size());
  std::string_view authority = url.substr(begin, end - begin);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string target(authority);
  const auto close = target.rfind(']');
  const auto colon = target.rfind(':');
  const bool has_port = colon != std::string::npos && (close == std::string::npos || colon > close);
  if (!has_port) target += tls ? ":443" : ":80";
  return GrpcChannelOptions{std::move(target), tls, options.certificate, options.client_certificate,
                            options.client_key};
}

OtlpGrpcExporter::OtlpGrpcExporter(const OtlpGrpcOptions& options)
    : OtlpGrpcExporter(options, make_grpc_transport(channel_options(options))) {}

OtlpGrpcExporter::OtlpGrpcExporter(OtlpGrpcOptions options,
                                   std::unique_ptr<GrpcTransport> transport)
    : options_(std::move(options)), transport_(std::move(transport)) {
  (void)channel_options(options_);  // validates the endpoint
  if (options_.timeout.count() <= 0) throw std::invalid_argument("timeout must be positive");
  if (!transport_) throw std::invalid_argument("OtlpGrpcExporter needs a transport");
  display_url_ = detail::url_without_userinfo(options_.endpoint);
  metadata_ = metadata_of(options_.headers);
}

OtlpGrpcExporter::~OtlpGrpcExporter() = default;

ExportResult OtlpGrpcExporter::export_batch(
    std::span<const SpanData> spans, const Resource& resource, const Scope& scope,
    std::chrono::steady_clock::time_point deadline) noexcept {
  try {
    const std::string request = encode_otlp_proto(spans, resource, scope);
    const GrpcStatus status = transport_->unary_call(GrpcCall{
        .method = kOtlpGrpcTraceExportMethod,
        .metadata = metadata_,
        .request = request,
        .gzip = options_.compression == OtlpGrpcOptions::kGzip,
        .timeout = options_.timeout,
        .deadline = deadline,
    });
    if (status.code == 0) return ExportResult::kSuccess;
    const bool rejected = is_rejected_grpc_code(status.code);
    set_last_error(
        "gRPC " + grpc_code_name(status.code) + " from " + display_url_ + ": " + status.message +
        (rejected ? " (the backend refused the batch; it is dropped, not retried)" : ""));
    return rejected ? ExportResult::kRejected : ExportResult::kFailure;
  } catch (const std::exception& e) {
    set_last_error(std::string("export to ") + display_url_ + " failed: " + e.what());
  }
  return ExportResult::kFailure;
}

void OtlpGrpcExporter::cancel() noexcept { transport_->cancel(); }

std::string OtlpGrpcExporter::describe() const { return "OTLP/gRPC " + display_url_; }

}  // namespace chaostracing
