#include "metrics/MetricsEndpoint.h"

#include <gtest/gtest.h>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <stdexcept>
#include <string>

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

}  // namespace
}  // namespace ncxdp
