// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/otel_env.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace chaostracing {
namespace {

constexpr std::string_view kWhitespace = " \t";

std::string_view trim(std::string_view s) {
  const auto begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(kWhitespace);
  return s.substr(begin, end - begin + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

// RFC 9110 token characters.
bool is_token_char(unsigned char c) {
  return std::isalnum(c) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
    i += 2;
  }
  return out;
}

// Hides user:password@ when a URL is echoed in an error.
std::string redact_userinfo(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority_begin = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_begin);
  const auto authority = url.substr(authority_begin, authority_end == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : authority_end - authority_begin);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, authority_begin));
  out += "***@";
  out += url.substr(authority_begin + at + 1);
  return out;
}

// Text echoed in an error with control characters as \xNN, so that every error stays one line
// (a header name or an environment value may hold a newline).
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out.push_back("0123456789abcdef"[c >> 4]);
      out.push_back("0123456789abcdef"[c & 0x0f]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// The variable actually set: the signal-specific one wins; empty counts as unset.
struct Lookup {
  std::string name;
  std::string value;
  bool generic = false;
};

std::optional<Lookup> lookup(const GetEnv& getenv, std::string_view suffix) {
  const std::string specific = "OTEL_EXPORTER_OTLP_TRACES_" + std::string(suffix);
  const std::string generic = "OTEL_EXPORTER_OTLP_" + std::string(suffix);
  if (auto v = getenv(specific); v && !v->empty()) return Lookup{specific, *v, false};
  if (auto v = getenv(generic); v && !v->empty()) return Lookup{generic, *v, true};
  return std::nullopt;
}

// https://opentelemetry.io/docs/specs/otel/protocol/exporter/#endpoint-urls-for-otlphttp:
// the generic endpoint is a base URL to which the signal path is appended.
std::string append_traces_path(std::string_view base) {
  std::string url(base);
  const auto scheme_end = url.find("://");
  const auto path_begin =
      scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  if (path_begin == std::string::npos || url.back() != '/') url.push_back('/');
  url += "v1/traces";
  return url;
}

}  // namespace

std::optional<std::string> validate_endpoint(std::string_view url) {
  const auto fail = [&](std::string_view why) {
    return "invalid endpoint '" + printable(redact_userinfo(url)) + "': " + std::string(why);
  };
  if (url.empty()) return "invalid endpoint '': it is empty; expected an http:// or https:// URL";
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return fail("it contains whitespace or control characters");
  }
  std::size_t pos = 0;
  if (starts_with_ci(url, "http://")) {
    pos = 7;
  } else if (starts_with_ci(url, "https://")) {
    pos = 8;
  } else {
    return fail("expected an absolute http:// or https:// URL");
  }
  const auto authority_end = url.find_first_of("/?#", pos);
  std::string_view authority = url.substr(
      pos, authority_end == std::string_view::npos ? std::string_view::npos : authority_end - pos);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail("unexpected characters after the IPv6 address");
      port = rest.substr(1);
      has_port = true;
    }
    if (host.size() <= 2) return fail("missing host");
  } else {
    if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return fail("missing host");
    for (unsigned char c : host) {
      if (std::isalnum(c) == 0 && std::string_view("-._~%!$&'()*+,;=").find(static_cast<char>(c)) ==
                                      std::string_view::npos) {
        return fail("invalid character in host");
      }
    }
  }
  if (has_port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 ||
        value > 65535) {
      return fail("port must be a number from 1 to 65535");
    }
  }
  return std::nullopt;
}

std::optional<std::string> validate_header(std::string_view name, std::string_view value) {
  if (name.empty()) return std::string("header with an empty name");
  for (unsigned char c : name) {
    if (!is_token_char(c)) return "header name '" + printable(name) + "' is not a valid token";
  }
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return "header '" + std::string(name) + "' has control characters in its value";
    }
  }
  return std::nullopt;
}

ParsedHeaders parse_headers(std::string_view value, std::string_view source) {
  ParsedHeaders parsed;
  const std::string prefix = source.empty() ? std::string() : std::string(source) + ": ";
  std::size_t member_number = 0;
  std::size_t begin = 0;
  while (begin <= value.size()) {
    const auto comma = value.find(',', begin);
    const auto end = comma == std::string_view::npos ? value.size() : comma;
    const std::string_view member = trim(value.substr(begin, end - begin));
    ++member_number;
    begin = end + 1;
    if (member.empty()) {
      if (comma == std::string_view::npos) break;
      continue;  // tolerate "a=1,,b=2" and a trailing comma
    }
    const auto equals = member.find('=');
    if (equals == std::string_view::npos) {
      parsed.errors.push_back(prefix + "member " + std::to_string(member_number) +
                              " has no '=' (expected name=value; value not shown)");
    } else {
      const std::string_view name = trim(member.substr(0, equals));
      // Baggage-style properties (";...") have no meaning for headers; keep them in the value.
      auto decoded = percent_decode(trim(member.substr(equals + 1)));
      if (!decoded) {
        parsed.errors.push_back(prefix + "header '" + printable(name) +
                                "' has an invalid percent-encoding in its value");
      } else if (auto error = validate_header(name, *decoded)) {
        parsed.errors.push_back(prefix + *error);
      } else {
        parsed.headers.emplace_back(std::string(name), std::move(*decoded));
      }
    }
    if (comma == std::string_view::npos) break;
  }
  return parsed;
}

std::optional<OtlpHttpOptions::Protocol> parse_protocol(std::string_view value) noexcept {
  if (value == "http/protobuf") return OtlpHttpOptions::kHttpProtobuf;
  if (value == "http/json") return OtlpHttpOptions::kHttpJson;
  return std::nullopt;
}

std::optional<OtlpHttpOptions::Compression> parse_compression(std::string_view value) noexcept {
  if (value == "none") return OtlpHttpOptions::kNone;
  if (value == "gzip") return OtlpHttpOptions::kGzip;
  return std::nullopt;
}

std::string_view protocol_name(OtlpHttpOptions::Protocol protocol) noexcept {
  return protocol == OtlpHttpOptions::kHttpJson ? "http/json" : "http/protobuf";
}

std::string_view compression_name(OtlpHttpOptions::Compression compression) noexcept {
  return compression == OtlpHttpOptions::kGzip ? "gzip" : "none";
}

ParsedOtlpEnv parse_otlp_env(const GetEnv& getenv) {
  ParsedOtlpEnv parsed;
  auto& options = parsed.options;

  if (auto v = lookup(getenv, "ENDPOINT")) {
    const std::string value(trim(v->value));
    if (auto error = validate_endpoint(value)) {
      parsed.errors.push_back(v->name + ": " + *error);
    } else {
      options.endpoint = v->generic ? append_traces_path(value) : value;
      parsed.grpc_endpoint = value;
      parsed.from_env.emplace_back("endpoint");
    }
  }

  if (auto v = lookup(getenv, "HEADERS")) {
    auto headers = parse_headers(v->value, v->name);
    options.headers = std::move(headers.headers);
    parsed.errors.insert(parsed.errors.end(), headers.errors.begin(), headers.errors.end());
    parsed.from_env.emplace_back("headers");
  }

  if (auto v = lookup(getenv, "PROTOCOL")) {
    const std::string value = lower(trim(v->value));
    if (auto protocol = parse_protocol(value)) {
      options.protocol = *protocol;
      parsed.from_env.emplace_back("protocol");
    } else if (value == "grpc") {
      parsed.grpc = true;
      parsed.from_env.emplace_back("protocol");
    } else {
      parsed.errors.push_back(v->name + "=" + v->value +
                              " is not a valid protocol; accepted: grpc, http/protobuf, http/json");
    }
  }

  if (auto v = lookup(getenv, "COMPRESSION")) {
    const std::string value = lower(trim(v->value));
    if (auto compression = parse_compression(value)) {
      options.compression = *compression;
      parsed.from_env.emplace_back("compression");
    } else {
      parsed.errors.push_back(v->name + "=" + v->value +
                              " is not a valid compression; accepted: gzip, none");
    }
  }

  if (auto v = lookup(getenv, "TIMEOUT")) {
    const std::string_view value = trim(v->value);
    long long ms = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || ms <= 0) {
      parsed.errors.push_back(v->name + "=" + v->value +
                              " is not a valid timeout; accepted: a positive integer number of "
                              "milliseconds (default 10000)");
    } else {
      options.timeout = std::chrono::milliseconds(ms);
      parsed.from_env.emplace_back("timeout_ms");
    }
  }

  const auto path = [&](std::string_view suffix, std::string& field, const char* name) {
    if (auto v = lookup(getenv, suffix)) {
      field = std::string(trim(v->value));
      parsed.from_env.emplace_back(name);
    }
  };
  path("CERTIFICATE", options.certificate, "certificate");
  path("CLIENT_CERTIFICATE", options.client_certificate, "client_certificate");
  path("CLIENT_KEY", options.client_key, "client_key");
  // Errors above quote variable values as set, and an environment value can hold a newline.
  for (auto& error : parsed.errors) error = printable(error);
  return parsed;
}

}  // namespace chaostracing
