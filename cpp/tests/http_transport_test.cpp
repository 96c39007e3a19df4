// SPDX-License-Identifier: Apache-2.0
// The curl transport against a tiny loopback HTTP/1.1 listener.
#include "chaostracing/transport/http_transport.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace chaostracing {
namespace {

class LoopbackServer {
 public:
  // respond == false: accept and read, but never answer (a stuck collector).
  LoopbackServer(std::string status_line, bool respond) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(::listen(fd_, 4), 0);
    thread_ = std::thread([this, status_line = std::move(status_line), respond] {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string data;
      char buf[4096];
      std::size_t need = std::string::npos;
      while (need == std::string::npos || data.size() < need) {
        const ssize_t n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) break;
        data.append(buf, static_cast<std::size_t>(n));
        const auto end = data.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
          const auto cl = data.find("Content-Length: ");
          need = end + 4 + (cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16)));
        }
      }
      {
        std::lock_guard lock(mu_);
        request_ = data;
        received_ = true;
        cv_.notify_all();
      }
      if (respond) {
        const std::string reply = status_line + "\r\nContent-Length: 0\r\n\r\n";
        (void)::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
      } else {
        char c;
        (void)::recv(client, &c, 1, 0);  // until the client gives up
      }
      ::close(client);
    });
  }
  ~LoopbackServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/traces"; }
  // Blocks until the whole request arrived (ctest's TIMEOUT bounds it).
  std::string wait_request() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return received_; });
    return request_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool received_ = false;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string request_;
};

TEST(CurlHttpTransport, PostsBodyAndHeaders) {
  LoopbackServer server("HTTP/1.1 200 OK", true);
  auto transport = make_curl_transport({});
  const std::vector<HttpHeader> headers{{"Content-Type", "application/x-protobuf"},
                                        {"api-key", "k"}};
  const HttpResponse response =
      transport->post(HttpRequest{.url = server.url(), .headers = headers, .body = "hello"});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.error, "");
  const std::string request = server.wait_request();
  EXPECT_EQ(request.rfind("POST /v1/traces HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nContent-Type: application/x-protobuf\r\n"), std::string::npos);
  EXPECT_NE(request.find("\r\napi-key: k\r\n"), std::string::npos);
  EXPECT_NE(request.find("\r\nUser-Agent: chaostracing/"), std::string::npos);
  EXPECT_EQ(request.find("Expect:"), std::string::npos);
  EXPECT_EQ(request.substr(request.size() - 5), "hello");
}

TEST(CurlHttpTransport, ReportsStatusAndRequestLine) {
  LoopbackServer server("HTTP/1.1 503 Service Unavailable", true);
  auto transport = make_curl_transport({});
  const std::vector<HttpHeader> headers{{"api-key", "k"}};
  const HttpResponse response =
      transport->post(HttpRequest{.url = server.url(), .headers = headers, .body = "abc"});
  EXPECT_EQ(response.status, 503);
}

TEST(CurlHttpTransport, ReportsRetryAfter) {
  LoopbackServer server("HTTP/1.1 429 Too Many Requests\r\nrEtRy-AfTeR: 7", true);
  auto transport = make_curl_transport({});
  const HttpResponse response = transport->post(HttpRequest{.url = server.url(), .body = "abc"});
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(response.retry_after, " 7");  // verbatim; parse_retry_after() trims
}

TEST(CurlHttpTransport, ConnectionRefusedIsATransportError) {
  int port = 0;
  {
    // Find a free port, then close it so that nothing listens there.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  auto transport = make_curl_transport({});
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1/traces";
  const HttpResponse response = transport->post(HttpRequest{.url = url, .body = "x"});
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.error, "Couldn't connect to server");
}

TEST(CurlHttpTransport, DeadlineAbortsStuckServer) {
  LoopbackServer server("", false);
  auto transport = make_curl_transport({});
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse response = transport->post(HttpRequest{
      .url = server.url(),
      .body = "x",
      .timeout = std::chrono::milliseconds(10000),
      .deadline = start + std::chrono::milliseconds(200),
  });
  EXPECT_EQ(response.status, 0);
  EXPECT_NE(response.error.find("timed out"), std::string::npos) << response.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(CurlHttpTransport, CancelAbortsStuckServerAndLaterPosts) {
  LoopbackServer server("", false);
  auto transport = make_curl_transport({});
  std::thread canceller([&] {
    server.wait_request();  // the transfer is in flight, waiting for a response
    transport->cancel();
  });
  const HttpResponse response = transport->post(
      HttpRequest{.url = server.url(), .body = "x", .timeout = std::chrono::milliseconds(20000)});
  canceller.join();
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.error, "export cancelled");
  EXPECT_EQ(transport->post(HttpRequest{.url = server.url(), .body = "x"}).error,
            "export cancelled");
}

}  // namespace
}  // namespace chaostracing
