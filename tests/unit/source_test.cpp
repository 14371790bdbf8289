#include "decode/Source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace ncxdp {
namespace {

TEST(SourceTest, FormatsAndParses) {
  Source s;
  ASSERT_TRUE(Source::parse("10.0.0.5:6665", s));
  EXPECT_TRUE(s.isV4());
  EXPECT_EQ(s.toString(), "10.0.0.5:6665");
  EXPECT_EQ(s.fileName(), "10.0.0.5_6665");
  ASSERT_TRUE(Source::parse("[fd00::5]:6665", s));
  EXPECT_FALSE(s.isV4());
  EXPECT_EQ(s.toString(), "[fd00::5]:6665");
  EXPECT_EQ(s.fileName(), "fd00::5_6665");
  for (const char* bad :
       {"10.0.0.5", "10.0.0.5:", "10.0.0.5:70000", "[fd00::5]6665", "host:1", ":1", "1.2.3.4:x"})
    EXPECT_FALSE(Source::parse(bad, s)) << bad;
}

TEST(SourceTest, MappedIpv6SockaddrIsIpv4) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:192.0.2.1", &sa.sin6_addr);
  sa.sin6_port = htons(6665);
  Source s;
  ASSERT_TRUE(Source::fromSockaddr(reinterpret_cast<sockaddr*>(&sa), s));
  EXPECT_EQ(s.toString(), "192.0.2.1:6665");
  Source parsed;
  Source::parse("192.0.2.1:6665", parsed);
  EXPECT_EQ(s, parsed);
  EXPECT_EQ(SourceHash{}(s), SourceHash{}(parsed));
}

TEST(SourceTest, PortsDistinguishSources) {
  Source a, b;
  Source::parse("10.0.0.5:6665", a);
  Source::parse("10.0.0.5:6666", b);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace ncxdp
