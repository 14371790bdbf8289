// The XDP program's verdicts on crafted frames: katran-style tables of {description, frame,
// expected verdict and counters}, run through bpf_prog_test_run_opts. Needs root (BPF), no NIC.

#include "bpf_test_support.h"

namespace ncxdp::bpftest {
namespace {

// ---- verdict tables --------------------------------------------------------------------------

class BpfVerdictTest : public ::testing::Test {
 protected:
  void SetUp() override { REQUIRE_BPF(); }

  static XdpConfig severalPorts() {
    XdpConfig config;
    config.ports = {6666, 514, 9999};
    return config;
  }
};

TEST_F(BpfVerdictTest, Table) {
  XdpProgram program(severalPorts());
  const std::vector<VerdictCase> cases = {
      // Ours.
      {"IPv4 UDP to 6666", udp4(6666), kMatchedNoSocket, &XdpCounters::matched},
      {"IPv4 UDP to 6666, broadcast MAC", udp4(6666, "10.1.2.3", {}, kBroadcastMac), kMatchedNoSocket,
       &XdpCounters::matched},
      {"IPv4 UDP to 514 (second configured port)", udp4(514), kMatchedNoSocket, &XdpCounters::matched},
      {"IPv4 UDP to 9999 (third configured port)", udp4(9999), kMatchedNoSocket, &XdpCounters::matched},
      {"IPv4 UDP, options (IHL 6)",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.ihl = 6})}), kMatchedNoSocket,
       &XdpCounters::matched},
      {"IPv4 UDP, 40 bytes of options (IHL 15)",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.ihl = 15})}), kMatchedNoSocket,
       &XdpCounters::matched},
      {"IPv4 UDP, don't-fragment set",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.fragOff = 0x4000})}),
       kMatchedNoSocket, &XdpCounters::matched},
      {"IPv4 UDP, bare header and no payload",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666, 6665, ""))}), kMatchedNoSocket,
       &XdpCounters::matched},
      {"IPv4 UDP, Ethernet padding after the datagram", cat({udp4(6666), Bytes(20, 0)}), kMatchedNoSocket,
       &XdpCounters::matched},
      {"IPv6 UDP to 6666", udp6(6666), kMatchedNoSocket, &XdpCounters::matched},
      {"IPv6 UDP to 6666, broadcast MAC", udp6(6666, "fd00:1::5", {}, kBroadcastMac), kMatchedNoSocket,
       &XdpCounters::matched},
      {"IPv6 UDP to 514", udp6(514), kMatchedNoSocket, &XdpCounters::matched},
      {"802.1Q VLAN, IPv4", udp4(6666, "10.1.2.3", {kVlanTpid}), kMatchedNoSocket, &XdpCounters::matched},
      {"802.1Q VLAN, IPv6", udp6(6666, "fd00:1::5", {kVlanTpid}), kMatchedNoSocket, &XdpCounters::matched},
      {"QinQ (88a8 + 8100), IPv4", udp4(6666, "10.1.2.3", {kQinqTpid, kVlanTpid}), kMatchedNoSocket,
       &XdpCounters::matched},
      {"QinQ (88a8 + 8100), IPv6", udp6(6666, "fd00:1::5", {kQinqTpid, kVlanTpid}), kMatchedNoSocket,
       &XdpCounters::matched},
      {"double 8100 tags, IPv4", udp4(6666, "10.1.2.3", {kVlanTpid, kVlanTpid}), kMatchedNoSocket,
       &XdpCounters::matched},

      // Not ours.
      {"IPv4 UDP to 6665", udp4(6665), XDP_PASS, &XdpCounters::passed},
      {"IPv4 UDP to 6667 (neighbouring bit)", udp4(6667), XDP_PASS, &XdpCounters::passed},
      {"IPv4 UDP to 6730 (same bit, next word)", udp4(6666 + 64), XDP_PASS, &XdpCounters::passed},
      {"IPv4 UDP to 53", udp4(53), XDP_PASS, &XdpCounters::passed},
      {"IPv4 UDP to 65535", udp4(65535), XDP_PASS, &XdpCounters::passed},
      {"IPv4 UDP from port 6666 to 40000",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(40000, 6666))}), XDP_PASS,
       &XdpCounters::passed},
      {"IPv6 UDP to 6665", udp6(6665), XDP_PASS, &XdpCounters::passed},
      {"IPv4 TCP to 6666", cat({ethernet(ETH_P_IP), ipv4(IPPROTO_TCP, "10.1.2.3", tcpHeader(6666))}),
       XDP_PASS, &XdpCounters::passed},
      {"IPv6 TCP to 6666", cat({ethernet(ETH_P_IPV6), ipv6(IPPROTO_TCP, "fd00:1::5", tcpHeader(6666))}),
       XDP_PASS, &XdpCounters::passed},
      {"IPv4 ICMP echo",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_ICMP, "10.1.2.3", Bytes{8, 0, 0xf7, 0xff, 0, 0, 0, 0})}),
       XDP_PASS, &XdpCounters::passed},
      {"ICMPv6 echo",
       cat({ethernet(ETH_P_IPV6), ipv6(IPPROTO_ICMPV6, "fd00:1::5", Bytes{128, 0, 0, 0, 0, 0, 0, 0})}),
       XDP_PASS, &XdpCounters::passed},
      {"ARP", cat({ethernet(ETH_P_ARP, {}, kBroadcastMac), Bytes(28, 0)}), XDP_PASS, &XdpCounters::passed},
      {"three VLAN tags (deeper than QinQ)", udp4(6666, "10.1.2.3", {kQinqTpid, kVlanTpid, kVlanTpid}),
       XDP_PASS, &XdpCounters::passed},
      {"IPv6 hop-by-hop header before UDP (extension headers are not walked)",
       cat({ethernet(ETH_P_IPV6), ipv6(0, "fd00:1::5", ipv6HopByHop(IPPROTO_UDP, udp(6666)))}), XDP_PASS,
       &XdpCounters::passed},
      {"IPv4 TCP fragment",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_TCP, "10.1.2.3", tcpHeader(6666), {.fragOff = 0x2000})}),
       XDP_PASS, &XdpCounters::passed},
      {"IPv6 fragment header carrying TCP",
       cat({ethernet(ETH_P_IPV6),
            ipv6(IPPROTO_FRAGMENT, "fd00:1::5", ipv6Fragment(IPPROTO_TCP, tcpHeader(6666)))}),
       XDP_PASS, &XdpCounters::passed},

      // Fragments: the UDP header may be in another packet, the kernel reassembles.
      {"IPv4 UDP, first fragment (MF)",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.fragOff = 0x2000})}), XDP_PASS,
       &XdpCounters::ipFragment},
      {"IPv4 UDP, last fragment (offset 185)",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.fragOff = 185})}), XDP_PASS,
       &XdpCounters::ipFragment},
      {"IPv4 UDP, middle fragment (MF and offset)",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.fragOff = 0x2000 | 185})}),
       XDP_PASS, &XdpCounters::ipFragment},
      {"IPv6 fragment header carrying UDP",
       cat({ethernet(ETH_P_IPV6), ipv6(IPPROTO_FRAGMENT, "fd00:1::5", ipv6Fragment(IPPROTO_UDP, udp(6666)))}),
       XDP_PASS, &XdpCounters::ipFragment},

      // Cut short or impossible, at every layer.
      {"Ethernet, 13 of 14 bytes", cut(udp4(6666), 13), XDP_PASS, &XdpCounters::malformed, 4},
      {"Ethernet, 6 bytes", cut(udp4(6666), 6), XDP_PASS, &XdpCounters::malformed, 8},
      {"802.1Q tag, 2 of 4 bytes", cut(udp4(6666, "10.1.2.3", {kVlanTpid}), 16), XDP_PASS,
       &XdpCounters::malformed},
      {"QinQ inner tag, 3 of 4 bytes", cut(udp4(6666, "10.1.2.3", {kQinqTpid, kVlanTpid}), 21), XDP_PASS,
       &XdpCounters::malformed},
      {"IPv4, 19 of 20 header bytes", cut(udp4(6666), 14 + 19), XDP_PASS, &XdpCounters::malformed},
      {"IPv4, IHL 4", cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.ihl = 4})}),
       XDP_PASS, &XdpCounters::malformed},
      {"IPv4, IHL 0", cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.ihl = 0})}),
       XDP_PASS, &XdpCounters::malformed},
      {"IPv4, IHL 15 but the frame ends inside the options",
       cut(cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.ihl = 15})}), 14 + 50),
       XDP_PASS, &XdpCounters::malformed},
      {"IPv4 ethertype, version 6 header",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.version = 6})}), XDP_PASS,
       &XdpCounters::malformed},
      {"IPv4 UDP, 7 of 8 header bytes", cut(udp4(6666), 14 + 20 + 7), XDP_PASS, &XdpCounters::malformed},
      {"IPv4 UDP after options, 4 of 8 header bytes",
       cut(cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "10.1.2.3", udp(6666), {.ihl = 6})}), 14 + 24 + 4),
       XDP_PASS, &XdpCounters::malformed},
      {"IPv6, 39 of 40 header bytes", cut(udp6(6666), 14 + 39), XDP_PASS, &XdpCounters::malformed},
      {"IPv6 ethertype, version 4 header",
       cat({ethernet(ETH_P_IPV6), ipv6(IPPROTO_UDP, "fd00:1::5", udp(6666), 4)}), XDP_PASS,
       &XdpCounters::malformed},
      {"IPv6 UDP, 7 of 8 header bytes", cut(udp6(6666), 14 + 40 + 7), XDP_PASS, &XdpCounters::malformed},
      {"IPv6 fragment header, 7 of 8 bytes",
       cut(cat({ethernet(ETH_P_IPV6),
                ipv6(IPPROTO_FRAGMENT, "fd00:1::5", ipv6Fragment(IPPROTO_UDP, udp(6666)))}),
           14 + 40 + 7),
       XDP_PASS, &XdpCounters::malformed},
      {"VLAN-tagged IPv4 UDP, 7 of 8 header bytes", cut(udp4(6666, "10.1.2.3", {kVlanTpid}), 18 + 20 + 7),
       XDP_PASS, &XdpCounters::malformed},
  };
  std::uint64_t ran = 0;
  for (const VerdictCase& c : cases) ran += expectVerdict(program, c) ? 1 : 0;

  // Every frame the program saw landed in exactly one outcome.
  const XdpCounters total = program.counters();
  EXPECT_GE(ran, cases.size() - 2);
  EXPECT_EQ(total.seen, ran);
  EXPECT_EQ(total.seen, total.matched + total.passed + total.notAllowed + total.malformed + total.ipFragment);
}

TEST_F(BpfVerdictTest, AllowlistTable) {
  XdpConfig config;
  config.ports = {6666};
  config.allowlist = {"10.1.0.0/16", "192.0.2.7", "fd00:1::/64", "2001:db8::42/128"};
  XdpProgram program(config);
  const std::vector<VerdictCase> cases = {
      {"IPv4 inside 10.1.0.0/16", udp4(6666, "10.1.2.3"), kMatchedNoSocket, &XdpCounters::matched},
      {"IPv4 at the edge of 10.1.0.0/16", udp4(6666, "10.1.255.255"), kMatchedNoSocket,
       &XdpCounters::matched},
      {"IPv4 just outside 10.1.0.0/16", udp4(6666, "10.2.0.1"), XDP_PASS, &XdpCounters::notAllowed},
      {"IPv4 host entry 192.0.2.7", udp4(6666, "192.0.2.7"), kMatchedNoSocket, &XdpCounters::matched},
      {"IPv4 next to the host entry", udp4(6666, "192.0.2.8"), XDP_PASS, &XdpCounters::notAllowed},
      {"IPv4 allowed source, VLAN tag", udp4(6666, "10.1.9.9", {kVlanTpid}), kMatchedNoSocket,
       &XdpCounters::matched},
      {"IPv4 allowed source, other port", udp4(6665, "10.1.2.3"), XDP_PASS, &XdpCounters::passed},
      {"IPv4 unknown source, other port", udp4(6665, "172.16.0.1"), XDP_PASS, &XdpCounters::passed},
      {"IPv6 inside fd00:1::/64", udp6(6666, "fd00:1::5"), kMatchedNoSocket, &XdpCounters::matched},
      {"IPv6 outside fd00:1::/64", udp6(6666, "fd00:1:0:1::5"), XDP_PASS, &XdpCounters::notAllowed},
      {"IPv6 host entry 2001:db8::42", udp6(6666, "2001:db8::42"), kMatchedNoSocket, &XdpCounters::matched},
      {"IPv6 next to the host entry", udp6(6666, "2001:db8::43"), XDP_PASS, &XdpCounters::notAllowed},
      {"IPv6 allowed source, QinQ", udp6(6666, "fd00:1::7", {kQinqTpid, kVlanTpid}), kMatchedNoSocket,
       &XdpCounters::matched},
      {"IPv4 fragment from an unknown source",
       cat({ethernet(ETH_P_IP), ipv4(IPPROTO_UDP, "172.16.0.1", udp(6666), {.fragOff = 0x2000})}), XDP_PASS,
       &XdpCounters::ipFragment},
  };
  for (const VerdictCase& c : cases) EXPECT_TRUE(expectVerdict(program, c));
}

TEST_F(BpfVerdictTest, EmptyAllowlistMeansAnySource) {
  XdpProgram program(XdpConfig{});
  const VerdictCase cases[] = {
      {"IPv4 from anywhere", udp4(6666, "203.0.113.9"), kMatchedNoSocket, &XdpCounters::matched},
      {"IPv6 from anywhere", udp6(6666, "2001:db8:ffff::1"), kMatchedNoSocket, &XdpCounters::matched},
      {"default port set is 6666 alone", udp4(514), XDP_PASS, &XdpCounters::passed},
  };
  for (const VerdictCase& c : cases) EXPECT_TRUE(expectVerdict(program, c));
}

// The counters live per CPU; counters() must add up every CPU's slot.
TEST_F(BpfVerdictTest, CountersSumEveryCpu) {
  XdpProgram program(XdpConfig{});
  cpu_set_t original;
  ASSERT_EQ(sched_getaffinity(0, sizeof(original), &original), 0);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; ++cpu) {
    if (CPU_ISSET(cpu, &original)) cpus.push_back(cpu);
  }
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < cpus.size(); ++i) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpus[i], &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
    RunOptions options;
    options.repeat = static_cast<int>(100 * (i + 1));
    const RunResult result = run(program, udp4(6666), options);
    ASSERT_EQ(result.error, 0);
    EXPECT_EQ(result.delta.seen, static_cast<std::uint64_t>(options.repeat));
    EXPECT_EQ(result.delta.matched, static_cast<std::uint64_t>(options.repeat));
    expected += static_cast<std::uint64_t>(options.repeat);
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(original), &original), 0);
  EXPECT_EQ(program.counters().seen, expected);
  EXPECT_EQ(program.counters().matched, expected);
  EXPECT_EQ(program.counters().redirected, 0u);
}

}  // namespace
}  // namespace ncxdp::bpftest
