// SPDX-License-Identifier: Apache-2.0
// Replaces secret values inside strings before they become span data, so that no exporter,
// spool record or trace file ever holds one. The lifecycle and every OpenTelemetry API call
// go through the same instance: one implementation, whoever sets the attribute.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chaostracing {

class Redactor {
 public:
  static constexpr std::string_view kMarker = "[REDACTED]";

  Redactor() = default;
  // Empty and duplicate secrets are ignored.
  explicit Redactor(std::vector<std::string> secrets);

  [[nodiscard]] bool empty() const noexcept { return secrets_.empty(); }

  // Replaces, left to right, each occurrence of a secret with kMarker; where several secrets
  // start at the same place the longest wins (the same result as a regular expression
  // alternation of the secrets, longest first). False when `text` holds no secret: the common
  // case costs one substring search per secret and no allocation.
  bool redact(std::string& text) const;

 private:
  std::vector<std::string> secrets_;  // longest first
};

}  // namespace chaostracing
