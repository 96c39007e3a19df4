// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/otel_env.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace chaostracing {
namespace {

ParsedOtlpEnv parse(const std::map<std::string, std::string, std::less<>>& env) {
  return parse_otlp_env([&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(OtelEnv, DefaultsWhenNothingSet) {
  const auto parsed = parse({});
  EXPECT_EQ(parsed.options.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(parsed.options.protocol, OtlpHttpOptions::kHttpProtobuf);
  EXPECT_EQ(parsed.options.compression, OtlpHttpOptions::kNone);
  EXPECT_EQ(parsed.options.timeout.count(), 10000);
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_TRUE(parsed.from_env.empty());
}

TEST(OtelEnv, GenericEndpointGetsSignalPathAppended) {
  struct Case {
    std::string in, out;
  };
  for (const auto& [in, out] : std::vector<Case>{
           {"http://c:4318", "http://c:4318/v1/traces"},
           {"http://c:4318/", "http://c:4318/v1/traces"},
           {"http://c:4318/p", "http://c:4318/p/v1/traces"},
           {"http://c:4318/p/", "http://c:4318/p/v1/traces"},
           {"https://collector.example.com", "https://collector.example.com/v1/traces"},
       }) {
    const auto parsed = parse({{"OTEL_EXPORTER_OTLP_ENDPOINT", in}});
    EXPECT_EQ(parsed.options.endpoint, out) << in;
    EXPECT_TRUE(parsed.errors.empty());
    EXPECT_TRUE(contains(parsed.from_env, "endpoint"));
  }
}

TEST(OtelEnv, TracesEndpointIsUsedAsIsAndWins) {
  const auto parsed = parse({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"},
                             {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1234/custom"}});
  EXPECT_EQ(parsed.options.endpoint, "http://t:1234/custom");
}

TEST(OtelEnv, EmptyValueCountsAsUnset) {
  const auto parsed = parse({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""},
                             {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://g:4318"}});
  EXPECT_EQ(parsed.options.endpoint, "http://g:4318/v1/traces");
}

TEST(OtelEnv, InvalidEndpointIsReportedAndDefaultKept) {
  const auto parsed = parse({{"OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://x"}});
  EXPECT_EQ(parsed.options.endpoint, "http://localhost:4318/v1/traces");
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_NE(parsed.errors[0].find("OTEL_EXPORTER_OTLP_ENDPOINT"), std::string::npos);
  EXPECT_NE(parsed.errors[0].find("ftp://x"), std::string::npos);
}

TEST(OtelEnv, HeadersAreParsedTrimmedAndDecoded) {
  const auto parsed =
      parse({{"OTEL_EXPORTER_OTLP_HEADERS", " api-key = se%20cret , x-tenant=a%2Cb ,"}});
  ASSERT_EQ(parsed.options.headers.size(), 2u);
  EXPECT_EQ(parsed.options.headers[0], (std::pair<std::string, std::string>{"api-key", "se cret"}));
  EXPECT_EQ(parsed.options.headers[1], (std::pair<std::string, std::string>{"x-tenant", "a,b"}));
  EXPECT_TRUE(parsed.errors.empty());
}

TEST(OtelEnv, MalformedHeaderMembersAreSkippedWithoutEchoingValues) {
  const auto parsed = parse({{"OTEL_EXPORTER_OTLP_TRACES_HEADERS",
                              "good=1,secretvalue,bad name=topsecret,k=%zz-hidden"}});
  ASSERT_EQ(parsed.options.headers.size(), 1u);
  EXPECT_EQ(parsed.options.headers[0].first, "good");
  ASSERT_EQ(parsed.errors.size(), 3u);
  for (const auto& error : parsed.errors) {
    EXPECT_NE(error.find("OTEL_EXPORTER_OTLP_TRACES_HEADERS"), std::string::npos);
    EXPECT_EQ(error.find("secret"), std::string::npos) << error;
    EXPECT_EQ(error.find("hidden"), std::string::npos) << error;
  }
  EXPECT_NE(parsed.errors[0].find("member 2"), std::string::npos);
  EXPECT_NE(parsed.errors[1].find("'bad name'"), std::string::npos);
}

TEST(OtelEnv, Timeout) {
  EXPECT_EQ(parse({{"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"}}).options.timeout.count(), 2500);
  EXPECT_EQ(parse({{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "7"}, {"OTEL_EXPORTER_OTLP_TIMEOUT", "9"}})
                .options.timeout.count(),
            7);
  for (const char* bad : {"abc", "-5", "0", "1.5", "99999999999999999999999"}) {
    const auto parsed = parse({{"OTEL_EXPORTER_OTLP_TIMEOUT", bad}});
    EXPECT_EQ(parsed.options.timeout.count(), 10000) << bad;
    ASSERT_EQ(parsed.errors.size(), 1u) << bad;
    EXPECT_NE(parsed.errors[0].find(std::string("OTEL_EXPORTER_OTLP_TIMEOUT=") + bad),
              std::string::npos);
    EXPECT_NE(parsed.errors[0].find("milliseconds"), std::string::npos);
  }
}

TEST(OtelEnv, ProtocolAndCompression) {
  auto parsed = parse(
      {{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}, {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"}});
  EXPECT_EQ(parsed.options.protocol, OtlpHttpOptions::kHttpJson);
  EXPECT_EQ(parsed.options.compression, OtlpHttpOptions::kGzip);
  EXPECT_TRUE(contains(parsed.from_env, "protocol"));
  EXPECT_TRUE(contains(parsed.from_env, "compression"));

  parsed = parse({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}});
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_TRUE(parsed.grpc);
  EXPECT_TRUE(contains(parsed.from_env, "protocol"));
  EXPECT_EQ(parsed.grpc_endpoint, "http://localhost:4317");
  EXPECT_EQ(parsed.options.protocol, OtlpHttpOptions::kHttpProtobuf);

  parsed = parse({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "thrift"},
                  {"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"}});
  ASSERT_EQ(parsed.errors.size(), 2u);
  EXPECT_NE(parsed.errors[0].find("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=thrift"), std::string::npos);
  EXPECT_NE(parsed.errors[0].find("accepted: grpc, http/protobuf, http/json"), std::string::npos);
  EXPECT_NE(parsed.errors[1].find("accepted: gzip, none"), std::string::npos);
}

TEST(OtelEnv, GrpcEndpointIsTheVariableAsGiven) {
  // gRPC has no per-signal path: the generic endpoint is not extended with v1/traces.
  auto parsed = parse({{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317"},
                       {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"}});
  EXPECT_TRUE(parsed.grpc);
  EXPECT_EQ(parsed.grpc_endpoint, "https://collector:4317");
  EXPECT_EQ(parsed.options.endpoint, "https://collector:4317/v1/traces");

  parsed = parse({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:14317"}});
  EXPECT_FALSE(parsed.grpc);
  EXPECT_EQ(parsed.grpc_endpoint, "http://127.0.0.1:14317");
}

TEST(OtelEnv, CertificatePaths) {
  const auto parsed = parse({{"OTEL_EXPORTER_OTLP_CERTIFICATE", "/ca.pem"},
                             {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "/c.pem"},
                             {"OTEL_EXPORTER_OTLP_CLIENT_KEY", "/k.pem"}});
  EXPECT_EQ(parsed.options.certificate, "/ca.pem");
  EXPECT_EQ(parsed.options.client_certificate, "/c.pem");
  EXPECT_EQ(parsed.options.client_key, "/k.pem");
  EXPECT_EQ(parsed.from_env.size(), 3u);
}

TEST(ValidateEndpoint, AcceptsAndRejects) {
  for (const char* good : {"http://localhost:4318/v1/traces", "https://a.b.c",
                           "http://[::1]:4318/x", "HTTP://host", "http://user:pw@host:1/p?q=1"}) {
    EXPECT_EQ(validate_endpoint(good), std::nullopt) << good;
  }
  for (const char* bad : {"", "localhost:4318", "ftp://x", "http://", "http://:80", "http://h:0",
                          "http://h:65536", "http://h:x", "http://h h", "http://[::1"}) {
    EXPECT_NE(validate_endpoint(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(validate_endpoint("http://user:pw@host:99999")->find("pw"), std::string::npos);
}

TEST(ParseHeaders, ReusableWithASource) {
  const auto parsed = parse_headers("a=1,b", "headers argument");
  ASSERT_EQ(parsed.headers.size(), 1u);
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_EQ(parsed.errors[0].rfind("headers argument: ", 0), 0u);
  EXPECT_EQ(parse_headers("b").errors.at(0),
            "member 1 has no '=' (expected name=value; value not shown)");
}

// Found by cpp/fuzz/otel_env_fuzzer.cpp: names, URLs and values were echoed with their newlines.
TEST(OtelEnv, ErrorsStayOneLineWithControlCharactersEscaped) {
  const auto headers = parse_headers("bad\nname=v,k\r=%zz", "SRC");
  ASSERT_EQ(headers.errors.size(), 2u);
  EXPECT_EQ(headers.errors[0], "SRC: header name 'bad\\x0aname' is not a valid token");
  EXPECT_EQ(headers.errors[1], "SRC: header 'k\\x0d' has an invalid percent-encoding in its value");
  EXPECT_EQ(validate_endpoint("http://a\nb"),
            "invalid endpoint 'http://a\\x0ab': it contains whitespace or control characters");
  const auto parsed = parse(
      {{"OTEL_EXPORTER_OTLP_PROTOCOL", "thrift\nx"}, {"OTEL_EXPORTER_OTLP_TIMEOUT", "5\r\n"}});
  ASSERT_EQ(parsed.errors.size(), 2u);
  for (const auto& error : parsed.errors) {
    EXPECT_EQ(error.find_first_of("\r\n"), std::string::npos) << error;
  }
  EXPECT_NE(parsed.errors[0].find("thrift\\x0ax"), std::string::npos);
}

}  // namespace
}  // namespace chaostracing
