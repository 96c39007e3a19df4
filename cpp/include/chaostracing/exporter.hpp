// SPDX-License-Identifier: Apache-2.0
// Exporter: hands a batch of finished spans to a destination (file, HTTP, memory).
// export_batch() is never called concurrently on one instance (the BatchProcessor's worker is
// the only caller); cancel(), describe() and last_error() may be called from any thread at any
// time. Failures never throw: export_batch() returns kFailure and records a one-line,
// human-readable last_error() (never containing header values or other secrets).
#pragma once

#include <chrono>
#include <mutex>
#include <span>
#include <string>

#include "chaostracing/span.hpp"

namespace chaostracing {

// kFailure may succeed later (backend down, timeout, 5xx): the batch is worth keeping.
// kRejected will never succeed (e.g. HTTP 400): keeping or retrying it cannot help.
enum class ExportResult { kSuccess, kFailure, kRejected };

class Exporter {
 public:
  Exporter() = default;
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;
  virtual ~Exporter();

  // Called once, by the export thread, as it starts: work that need not hold up whoever
  // builds the pipeline.
  virtual void start() noexcept {}

  // Must return by `deadline` (best effort: an exporter that cannot be interrupted should at
  // least not start new work after it).
  virtual ExportResult export_batch(std::span<const SpanData> spans, const Resource& resource,
                                    const Scope& scope,
                                    std::chrono::steady_clock::time_point deadline) noexcept = 0;

  // Makes an in-flight export_batch() return promptly and every later one fail fast. Called
  // by BatchProcessor::shutdown() when its timeout expires.
  virtual void cancel() noexcept {}

  // Called once, by the export thread, after the last export_batch().
  virtual void shutdown() noexcept {}

  // e.g. "OTLP/HTTP http://127.0.0.1:4318/v1/traces" or "file /x/y.jsonl".
  virtual std::string describe() const = 0;

  // The most recent failure ("" if none yet); kept after later successes.
  std::string last_error() const;

 protected:
  void set_last_error(std::string message) noexcept;

 private:
  mutable std::mutex error_mu_;
  std::string last_error_;
};

}  // namespace chaostracing
