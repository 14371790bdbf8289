// XdpProgram's configuration: prefix parsing and the errors a bad config, queue or socket gets.
// The prefix tests need nothing; loading the program needs root (BPF).

#include "bpf_test_support.h"

namespace ncxdp::bpftest {
namespace {

TEST(XdpProgramTest, ParsesPrefixes) {
  IpPrefix p = parseIpPrefix("10.0.0.0/8");
  EXPECT_EQ(p.family, AF_INET);
  EXPECT_EQ(p.length, 8u);
  EXPECT_EQ(p.addr[0], 10);

  p = parseIpPrefix("10.16.0.0/12");
  EXPECT_EQ(p.length, 12u);
  EXPECT_EQ((std::array<std::uint8_t, 4>{p.addr[0], p.addr[1], p.addr[2], p.addr[3]}),
            (std::array<std::uint8_t, 4>{10, 16, 0, 0}));

  p = parseIpPrefix("192.0.2.7");
  EXPECT_EQ(p.length, 32u);
  EXPECT_EQ(p.addr[3], 7);

  p = parseIpPrefix("fd00::/64");
  EXPECT_EQ(p.family, AF_INET6);
  EXPECT_EQ(p.length, 64u);
  EXPECT_EQ(p.addr[0], 0xfd);

  p = parseIpPrefix("fd00:1:2:0::/60");
  EXPECT_EQ(p.length, 60u);
  EXPECT_EQ(p.addr[5], 0x02);

  p = parseIpPrefix("2001:db8::1");
  EXPECT_EQ(p.length, 128u);
  EXPECT_EQ(p.addr[15], 1);

  EXPECT_EQ(parseIpPrefix("0.0.0.0/0").length, 0u);
}

TEST(XdpProgramTest, RejectsBadPrefixes) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "allowlist entry '': empty"},
      {"10.0.0.0/33", "allowlist entry '10.0.0.0/33': prefix length must be a number from 0 to 32"},
      {"fd00::/129", "allowlist entry 'fd00::/129': prefix length must be a number from 0 to 128"},
      {"10.0.0.0/", "allowlist entry '10.0.0.0/': prefix length must be a number from 0 to 32"},
      {"10.0.0.0/8x", "allowlist entry '10.0.0.0/8x': prefix length must be a number from 0 to 32"},
      {"10.0.0.0/-1", "allowlist entry '10.0.0.0/-1': prefix length must be a number from 0 to 32"},
      {"10.0.0/8", "allowlist entry '10.0.0/8': '10.0.0' is not an IPv4 address"},
      {"example.com", "allowlist entry 'example.com': 'example.com' is not an IPv4 address"},
      {"fd00:::1/64", "allowlist entry 'fd00:::1/64': 'fd00:::1' is not an IPv6 address"},
      {"/8", "allowlist entry '/8': '' is not an IPv4 address"},
      // Host bits set (issue 13: was silently widened): refused with both likely meanings.
      {"10.251.1.1/24",
       "allowlist entry '10.251.1.1/24': host bits are set; did you mean 10.251.1.0/24 (the network) or "
       "10.251.1.1/32 (the host alone)?"},
      {"fd00:1:2:3:4:5:6:7/60",
       "allowlist entry 'fd00:1:2:3:4:5:6:7/60': host bits are set; did you mean fd00:1:2::/60 "
       "(the network) or fd00:1:2:3:4:5:6:7/128 (the host alone)?"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(expectThrows([&] { parseIpPrefix(c.first); }), c.second) << c.first;
  }
}

// Configuration errors surface before anything is loaded, so they need no privileges.
TEST(XdpProgramTest, RejectsBadConfig) {
  XdpConfig noPorts;
  noPorts.ports.clear();
  EXPECT_EQ(expectThrows([&] { XdpProgram p(noPorts); }), "XDP program: no UDP port to capture");
  XdpConfig portZero;
  portZero.ports = {6666, 0};
  EXPECT_EQ(expectThrows([&] { XdpProgram p(portZero); }), "XDP program: UDP port 0 cannot be captured");
  XdpConfig noQueues;
  noQueues.queues = 0;
  EXPECT_EQ(expectThrows([&] { XdpProgram p(noQueues); }),
            "XDP program: the XSK map needs at least one queue");
  XdpConfig badPrefix;
  badPrefix.allowlist = {"10.0.0.0/8", "10.0.0.300"};
  EXPECT_EQ(expectThrows([&] { XdpProgram p(badPrefix); }),
            "allowlist entry '10.0.0.300': '10.0.0.300' is not an IPv4 address");
}

TEST(XdpProgramTest, RejectsQueuesOutsideTheXskMap) {
  REQUIRE_BPF();
  XdpConfig config;
  config.queues = 4;
  XdpProgram program(config);
  EXPECT_EQ(program.queues(), 4u);
  EXPECT_GE(program.xskMapFd(), 0);
  EXPECT_EQ(expectThrows([&] { program.setXsk(4, 0); }),
            "insert AF_XDP socket for queue 4: the XSK map has 4 slots");
  EXPECT_EQ(expectThrows([&] { program.clearXsk(7); }),
            "remove AF_XDP socket for queue 7: the XSK map has 4 slots");
  // The kernel takes nothing but AF_XDP sockets in an XSKMAP.
  const int notXsk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(notXsk, 0);
  EXPECT_NE(expectThrows([&] { program.setXsk(0, notXsk); }).find("insert AF_XDP socket for queue 0: "),
            std::string::npos);
  close(notXsk);
}

}  // namespace
}  // namespace ncxdp::bpftest
