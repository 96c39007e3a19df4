// SPDX-License-Identifier: Apache-2.0
// Small JSON writing helpers for the Jaeger and Zipkin encoders (the OTLP/JSON encoder keeps
// its own writer): always valid JSON, invalid UTF-8 becomes U+FFFD, NaN/Infinity become
// strings. Also the "arrays as a JSON list" rendering of attribute values that both Jaeger
// and Zipkin tags use.
#pragma once

#include <string>
#include <string_view>

#include "chaostracing/span.hpp"

namespace chaostracing::detail {

// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

// Shortest round-trip decimal form, with ".0" when integral ("2.0", "1e+20"); "NaN",
// "Infinity", "-Infinity" (quoted) otherwise.
void append_json_number(std::string& out, double v);

// Appends `s` as a quoted JSON string that is also safe as the text of an HTML <script>
// element: "<", ">" and "&" (which could form "</script>" or "<!--") and U+2028/U+2029 (line
// ends to older JavaScript) as \u escapes.
void append_json_string_for_script(std::string& out, std::string_view s);

// Appends `v` in decimal.
void append_decimal(std::string& out, std::int64_t v);

// Appends repr(v) as Python writes a finite float: the shortest digits that read back as `v`,
// positional for decimal exponents from -5 to 15 (with ".0" when integral: "2.0"), else
// scientific with a signed exponent of two digits or more ("1e+16", "1e-05").
void append_python_float_repr(std::string& out, double v);

// Appends the value as JSON: strings quoted, numbers and booleans bare, arrays as lists.
void append_json_value(std::string& out, const AttributeValue& value);

// The value as a tag string (OTel's mapping to non-OTLP formats): strings as they are,
// booleans "true"/"false", numbers in decimal, arrays as a JSON list.
std::string attribute_to_string(const AttributeValue& value);

// `s` with invalid UTF-8 bytes replaced by U+FFFD (a copy only when needed).
std::string utf8_repaired(std::string_view s);

// The longest prefix of `s` of at most `max_bytes` bytes that does not cut a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept;

}  // namespace chaostracing::detail
