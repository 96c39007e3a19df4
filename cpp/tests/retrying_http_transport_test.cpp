// SPDX-License-Identifier: Apache-2.0
#include "chaostracing/transport/retrying_http_transport.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <thread>
#include <vector>

namespace chaostracing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Answers with the scripted responses in order, then with the last one forever.
struct Script {
  std::deque<HttpResponse> responses;
  int posts = 0;
  bool cancelled = false;
};

class ScriptedTransport final : public HttpTransport {
 public:
  explicit ScriptedTransport(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  HttpResponse post(const HttpRequest&) noexcept override {
    ++script_->posts;
    HttpResponse r = script_->responses.front();
    if (script_->responses.size() > 1) script_->responses.pop_front();
    return r;
  }
  void cancel() noexcept override { script_->cancelled = true; }

 private:
  std::shared_ptr<Script> script_;
};

HttpResponse status(long code, std::string retry_after = {}) {
  return HttpResponse{.status = code, .error = {}, .retry_after = std::move(retry_after)};
}
HttpResponse refused() {
  return HttpResponse{.status = 0, .error = "Couldn't connect to server", .retry_after = {}};
}

// Records each wait (relative to when it was asked for) and returns at once: no real time
// passes, so the test asserts what the transport asked for, not how long anything took.
struct Waits {
  std::vector<milliseconds> asked;
  bool refuse = false;  // behave as if cancelled during the wait
  RetryHooks hooks() {
    return RetryHooks{.random = [] { return 0.0; },
                      .wait =
                          [this](Clock::time_point until) {
                            asked.push_back(std::chrono::ceil<milliseconds>(until - Clock::now()));
                            return !refuse;
                          }};
  }
};

const RetryPolicy kPolicy{.initial_backoff = milliseconds(100),
                          .max_backoff = milliseconds(800),
                          .multiplier = 2.0,
                          .max_retry_after = milliseconds(30000)};

HttpRequest request(milliseconds timeout) {
  return HttpRequest{.url = "http://x/v1/traces", .headers = {}, .body = "b", .timeout = timeout};
}

TEST(RetryingHttpTransport, RetriesConnectionErrorsAndRetryableStatusesThenSucceeds) {
  auto script = std::make_shared<Script>();
  script->responses = {refused(), status(502), status(503), status(504), status(429), status(200)};
  Waits waits;
  RetryingHttpTransport transport(std::make_unique<ScriptedTransport>(script), kPolicy,
                                  waits.hooks());
  EXPECT_EQ(transport.post(request(milliseconds(60000))).status, 200);
  EXPECT_EQ(script->posts, 6);
  EXPECT_EQ(transport.retries(), 5u);
  ASSERT_EQ(waits.asked.size(), 5u);
  // Equal jitter with random 0: half of 100, 200, 400, 800, 800 (capped).
  const std::vector<milliseconds> expected{milliseconds(50), milliseconds(100), milliseconds(200),
                                           milliseconds(400), milliseconds(400)};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_LE(waits.asked[i], expected[i]) << i;
    EXPECT_GE(waits.asked[i], expected[i] - milliseconds(50)) << i;  // time taken meanwhile
  }
}

TEST(RetryingHttpTransport, HonoursRetryAfterSecondsOverTheBackoff) {
  auto script = std::make_shared<Script>();
  script->responses = {status(503, "3"), status(429, "1"), status(200)};
  Waits waits;
  RetryingHttpTransport transport(std::make_unique<ScriptedTransport>(script), kPolicy,
                                  waits.hooks());
  EXPECT_EQ(transport.post(request(milliseconds(60000))).status, 200);
  ASSERT_EQ(waits.asked.size(), 2u);
  EXPECT_GT(waits.asked[0], milliseconds(2900));
  EXPECT_LE(waits.asked[0], milliseconds(3000));
  EXPECT_GT(waits.asked[1], milliseconds(900));
  EXPECT_LE(waits.asked[1], milliseconds(1000));
}

TEST(RetryingHttpTransport, GivesUpWhenTheNextWaitWouldPassTheDeadline) {
  auto script = std::make_shared<Script>();
  script->responses = {status(503, "120")};
  Waits waits;
  RetryingHttpTransport transport(std::make_unique<ScriptedTransport>(script), kPolicy,
                                  waits.hooks());
  const HttpResponse r = transport.post(request(milliseconds(5000)));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(script->posts, 1);
  EXPECT_TRUE(waits.asked.empty());
}

TEST(RetryingHttpTransport, NonRetryableAnswersReturnAtOnce) {
  for (long code : {400L, 401L, 404L, 500L, 501L}) {
    auto script = std::make_shared<Script>();
    script->responses = {status(code)};
    Waits waits;
    RetryingHttpTransport transport(std::make_unique<ScriptedTransport>(script), kPolicy,
                                    waits.hooks());
    EXPECT_EQ(transport.post(request(milliseconds(60000))).status, code);
    EXPECT_EQ(script->posts, 1) << code;
  }
}

TEST(RetryingHttpTransport, AfterAFailedRequestTheNextGetsOneTryUntilASuccess) {
  auto script = std::make_shared<Script>();
  // Request 1: refused until its deadline (the 400 ms budget allows 50+100+200 ms of waits
  // only in theory; the fake wait passes no time, so the budget is cut by retries instead).
  script->responses = {refused()};
  Waits waits;
  RetryingHttpTransport transport(std::make_unique<ScriptedTransport>(script), kPolicy,
                                  waits.hooks());
  // A deadline already close: no retry fits.
  HttpRequest r1 = request(milliseconds(30));
  EXPECT_EQ(transport.post(r1).status, 0);
  const int after_first = script->posts;
  EXPECT_EQ(transport.post(request(milliseconds(60000))).status, 0);
  EXPECT_EQ(script->posts, after_first + 1);  // one try only
  script->responses = {status(200)};
  EXPECT_EQ(transport.post(request(milliseconds(60000))).status, 200);
  // Healthy again: the next failure is retried.
  script->responses = {status(503), status(200)};
  const int before = script->posts;
  EXPECT_EQ(transport.post(request(milliseconds(60000))).status, 200);
  EXPECT_EQ(script->posts, before + 2);
}

TEST(RetryingHttpTransport, CancelEndsARealWaitAtOnceAndIsPassedOn) {
  auto script = std::make_shared<Script>();
  script->responses = {status(503, "30")};
  RetryingHttpTransport transport(std::make_unique<ScriptedTransport>(script), kPolicy);
  HttpResponse r;
  std::thread poster([&] { r = transport.post(request(milliseconds(60000))); });
  // The poster is either about to wait 30 s or waiting: cancel must end it either way (the
  // test's own bound is ctest's TIMEOUT, not a sleep).
  transport.cancel();
  poster.join();
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "export cancelled");
  EXPECT_TRUE(script->cancelled);
}

TEST(RetryingHttpTransport, CancelledTransfersAreNotRetried) {
  auto script = std::make_shared<Script>();
  script->responses = {HttpResponse{.status = 0, .error = "export cancelled", .retry_after = {}}};
  Waits waits;
  RetryingHttpTransport transport(std::make_unique<ScriptedTransport>(script), kPolicy,
                                  waits.hooks());
  EXPECT_EQ(transport.post(request(milliseconds(60000))).error, "export cancelled");
  EXPECT_EQ(script->posts, 1);
}

}  // namespace
}  // namespace chaostracing
