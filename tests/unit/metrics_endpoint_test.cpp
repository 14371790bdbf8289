#include "metrics/MetricsEndpoint.h"

#include <gtest/gtest.h>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace ncxdp {
namespace {

TEST(MetricsEndpoint, ParsesAddressForms) {
  EXPECT_EQ(MetricsEndpoint::parseAddress(""), "127.0.0.1:9666");
  EXPECT_EQ(MetricsEndpoint::parseAddress("0.0.0.0"), "0.0.0.0:9666");
  EXPECT_EQ(MetricsEndpoint::parseAddress(":9100"), "127.0.0.1:9100");
  EXPECT_EQ(MetricsEndpoint::parseAddress("10.1.2.3:8080"), "10.1.2.3:8080");
  EXPECT_EQ(MetricsEndpoint::parseAddress("[::1]:9200"), "[::1]:9200");
  EXPECT_EQ(MetricsEndpoint::parseAddress("[::]"), "[::]:9666");
}

TEST(MetricsEndpoint, RejectsBadAddressesWithTheReason) {
  const auto message = [](const char* text) {
    try {
      MetricsEndpoint::parseAddress(text);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("[::1").find("missing ']'"), std::string::npos);
  EXPECT_NE(message("::1:9100").find("needs brackets"), std::string::npos);
  EXPECT_NE(message("localhost:9100").find("'localhost' is not an IPv4 address"), std::string::npos);
  EXPECT_NE(message("1.2.3.4:70000").find("'70000' is not a port number"), std::string::npos);
  EXPECT_NE(message("1.2.3.4:").find("empty port"), std::string::npos);
  EXPECT_NE(message("1.2.3.4:x1").find("is not a port number"), std::string::npos);
  EXPECT_NE(message("[::1]x").find("expected ':'"), std::string::npos);
}

struct Fixed : prometheus::Collectable {
  std::vector<prometheus::MetricFamily> Collect() const override { return {}; }
};

TEST(MetricsEndpoint, BindsAnEphemeralPortAndRefusesABusyOne) {
  auto collectable = std::make_shared<Fixed>();
  MetricsEndpoint first("127.0.0.1:0", collectable);
  ASSERT_NE(first.port(), 0);
  const std::string busy = "127.0.0.1:" + std::to_string(first.port());
  try {
    MetricsEndpoint second(busy, collectable);
    FAIL() << "a second exporter bound " << busy;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot serve metrics on " + busy), std::string::npos) << e.what();
  }
}

int connectLoopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  return fd;
}

struct OneCounter : prometheus::Collectable {
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily f{"ncxdp_test_total", "test", prometheus::MetricType::Counter, {}};
    prometheus::ClientMetric m;
    m.counter.value = 42;
    f.metric.push_back(m);
    return {f};
  }
};

// Issue 13: one idle TCP connection blinded /metrics for 29 s. With 100 open, a scrape through
// the endpoint answers within a second, and the endpoint counts its own connections.
TEST(MetricsEndpoint, ScrapeAnswersWithinASecondWhileHundredConnectionsIdle) {
  MetricsEndpoint endpoint("127.0.0.1:0", std::make_shared<OneCounter>());
  std::vector<int> idle;
  for (int i = 0; i < 100; ++i) idle.push_back(connectLoopback(endpoint.port()));
  const auto start = std::chrono::steady_clock::now();
  const int fd = connectLoopback(endpoint.port());
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), ssize_t(request.size()));
  std::string reply;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(start + std::chrono::seconds(1) -
                                                                            std::chrono::steady_clock::now())
                          .count();
    pollfd p{fd, POLLIN, 0};
    ASSERT_GT(left, 0) << "no complete answer within 1 s; got: " << reply;
    ASSERT_GT(::poll(&p, 1, int(left)), 0) << "no complete answer within 1 s; got: " << reply;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, std::size_t(n));
  }
  ::close(fd);
  for (int i : idle) ::close(i);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK", 0), 0u) << reply;
  EXPECT_NE(reply.find("\nncxdp_test_total 42"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\nncxdp_metrics_scrapes_total 1"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\nncxdp_metrics_connections_closed_total{reason=\"timeout\"} 0"), std::string::npos)
      << reply;
}

}  // namespace
}  // namespace ncxdp
