#include "metrics/ScrapeServer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace ncxdp {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A connected TCP socket to 127.0.0.1:port (loopback only), closed at scope exit.
struct Client {
  int fd = -1;
  explicit Client(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  }
  ~Client() {
    if (fd >= 0) ::close(fd);
  }
  Client(Client&& o) noexcept : fd(o.fd) { o.fd = -1; }
  void send(const std::string& s) const {
    ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), ssize_t(s.size()));
  }
  // Everything until the server closes, or "" after `limit`.
  std::string readAll(std::chrono::milliseconds limit) const {
    std::string out;
    const auto deadline = Clock::now() + limit;
    char buf[4096];
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return "";
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, int(left)) <= 0) return "";
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, std::size_t(n));
    }
  }
  // True once the server has closed this connection (EOF or reset) within `limit`.
  bool closedWithin(std::chrono::milliseconds limit) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, int(limit.count())) <= 0) return false;
    char c;
    return ::recv(fd, &c, 1, 0) <= 0;
  }
};

std::string scrape(std::uint16_t port, std::chrono::milliseconds limit,
                   const std::string& request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") {
  Client c(port);
  c.send(request);
  return c.readAll(limit);
}

ScrapeServer::Render body(std::string text) {
  return [text](const ScrapeServer::Stats&) { return text; };
}

// Issue 13: with prometheus-cpp's exposer, one connection that sent nothing held the only HTTP
// thread for 30 s. Now 100 of them are open and a scrape still answers at once.
TEST(ScrapeServerTest, HundredIdleConnectionsDoNotDelayAScrape) {
  ScrapeServer server("127.0.0.1:0", body("ncxdp_up 1\n"));
  std::vector<Client> idle;
  for (int i = 0; i < 100; ++i) idle.emplace_back(server.port());
  // And some that trickle half a request.
  for (int i = 0; i < 10; ++i) idle.back().send("GET /met");
  std::this_thread::sleep_for(50ms);
  const auto start = Clock::now();
  const std::string reply = scrape(server.port(), 1000ms);
  const auto took = Clock::now() - start;
  ASSERT_FALSE(reply.empty()) << "no answer within 1 s";
  EXPECT_LT(took, 1s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(reply.find("Content-Length: 11\r\n"), std::string::npos);
  EXPECT_EQ(reply.substr(reply.size() - 11), "ncxdp_up 1\n");
  EXPECT_EQ(server.stats().scrapes, 1u);
}

TEST(ScrapeServerTest, SilentAndSlowClientsAreClosedAfterTheTimeout) {
  ScrapeServer::Limits limits;
  limits.requestTimeout = 200ms;
  ScrapeServer server("127.0.0.1:0", body("x 1\n"), limits);
  Client silent(server.port());
  Client slow(server.port());
  slow.send("GET /metrics HTTP/1.1\r\n");  // never finishes its headers
  EXPECT_TRUE(silent.closedWithin(2000ms));
  EXPECT_TRUE(slow.closedWithin(2000ms));
  EXPECT_EQ(server.stats().timedOut, 2u);
}

TEST(ScrapeServerTest, AtTheConnectionLimitTheOldestSilentOneMakesRoom) {
  ScrapeServer::Limits limits;
  limits.maxConnections = 8;
  ScrapeServer server("127.0.0.1:0", body("x 1\n"), limits);
  std::vector<Client> idle;
  for (int i = 0; i < 8; ++i) idle.emplace_back(server.port());
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(scrape(server.port(), 1000ms).empty());
  EXPECT_TRUE(idle.front().closedWithin(1000ms));
  EXPECT_GE(server.stats().evicted, 1u);
}

// A client that asks and never reads: the response is queued in the kernel or dropped at the
// response timeout, and others are served meanwhile.
TEST(ScrapeServerTest, AClientThatDoesNotReadDoesNotBlockOthers) {
  ScrapeServer::Limits limits;
  limits.responseTimeout = 300ms;
  const std::string big(8 << 20, 'x');  // more than socket buffers hold
  ScrapeServer server("127.0.0.1:0", body(big + "\n"), limits);
  Client hog(server.port());
  int small = 4096;
  ::setsockopt(hog.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  hog.send("GET /metrics HTTP/1.1\r\n\r\n");
  std::this_thread::sleep_for(50ms);
  const auto start = Clock::now();
  const std::string reply = scrape(server.port(), 5000ms);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(reply.size() > big.size(), true);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(server.stats().timedOut, 1u);
}

TEST(ScrapeServerTest, AnswersOnlyGetAndHeadOfMetrics) {
  ScrapeServer server("127.0.0.1:0", body("x 1\n"));
  EXPECT_EQ(scrape(server.port(), 1000ms, "GET / HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404 ", 0), 0u);
  EXPECT_EQ(scrape(server.port(), 1000ms, "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405 ", 0), 0u);
  EXPECT_EQ(scrape(server.port(), 1000ms, "hello\r\n\r\n").rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_EQ(scrape(server.port(), 1000ms, std::string(9000, 'a')).rfind("HTTP/1.1 431 ", 0), 0u);
  const std::string head = scrape(server.port(), 1000ms, "HEAD /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_NE(head.find("Content-Length: 4\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");  // no body
  EXPECT_EQ(scrape(server.port(), 1000ms, "GET /metrics?x=1 HTTP/1.1\n\n").rfind("HTTP/1.1 200 ", 0), 0u);
  EXPECT_EQ(server.stats().badRequests, 4u);
  EXPECT_EQ(server.stats().scrapes, 2u);
}

TEST(ScrapeServerTest, ServesIpv6Loopback) {
  std::unique_ptr<ScrapeServer> server;
  try {
    server = std::make_unique<ScrapeServer>("[::1]:0", body("x 1\n"));
  } catch (const std::runtime_error& e) {
    GTEST_SKIP() << "no IPv6 loopback: " << e.what();
  }
  EXPECT_NE(server->port(), 0);
}

}  // namespace
}  // namespace ncxdp
