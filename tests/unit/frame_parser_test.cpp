#include "capture/FrameParser.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <pcap/dlt.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ncxdp {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t kUdp = 17;

void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = std::uint8_t(v >> 8);
  b[at + 1] = std::uint8_t(v);
}

Bytes concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Bytes text(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

Bytes udp(std::uint16_t srcPort, std::uint16_t dstPort, const Bytes& payload) {
  Bytes b(8);
  put16(b, 0, srcPort);
  put16(b, 2, dstPort);
  put16(b, 4, std::uint16_t(8 + payload.size()));
  return concat(b, payload);  // checksum 0: the parser does not verify it (the NIC did)
}

struct V4Options {
  std::uint8_t proto = kUdp;
  std::uint16_t fragField = 0x4000;  // DF
  std::size_t optionWords = 0;
  int totalLengthDelta = 0;  // lie about the total length
  std::uint8_t version = 4;
};

Bytes ipv4(const char* src, const Bytes& l4, V4Options o = {}) {
  const std::size_t headerLen = 20 + 4 * o.optionWords;
  Bytes b(headerLen, 0);
  b[0] = std::uint8_t(o.version << 4 | headerLen / 4);
  put16(b, 2, std::uint16_t(int(headerLen + l4.size()) + o.totalLengthDelta));
  put16(b, 6, o.fragField);
  b[8] = 64;
  b[9] = o.proto;
  inet_pton(AF_INET, src, &b[12]);
  inet_pton(AF_INET, "10.199.1.1", &b[16]);
  for (std::size_t i = 20; i < headerLen; ++i) b[i] = 1;  // NOP options
  return concat(b, l4);
}

// `chain` is the extension headers already encoded, `first` the next-header value of the fixed
// header (the first extension's type, or 17).
Bytes ipv6(const char* src, std::uint8_t first, const Bytes& chainAndL4, int payloadLengthDelta = 0) {
  Bytes b(40, 0);
  b[0] = 0x60;
  put16(b, 4, std::uint16_t(int(chainAndL4.size()) + payloadLengthDelta));
  b[6] = first;
  b[7] = 32;
  inet_pton(AF_INET6, src, &b[8]);
  inet_pton(AF_INET6, "fd00:199::1", &b[24]);
  return concat(b, chainAndL4);
}

// Hop-by-hop / routing / destination options: length in 8-byte units beyond the first 8.
Bytes extHeader(std::uint8_t next, std::uint8_t units) {
  Bytes b((units + 1) * 8, 0);
  b[0] = next;
  b[1] = units;
  return b;
}

// Authentication header: length in 4-byte units, minus 2.
Bytes authHeader(std::uint8_t next) {
  Bytes b(16, 0);
  b[0] = next;
  b[1] = 2;
  return b;
}

Bytes fragmentHeader(std::uint8_t next) {
  Bytes b(8, 0);
  b[0] = next;
  b[3] = 1;  // offset 0, M flag: the first fragment, UDP header included
  return b;
}

Bytes ether(std::uint16_t etherType, const Bytes& l3, std::vector<std::uint16_t> tags = {}) {
  Bytes b(12, 0xff);  // broadcast destination, as netpoll sends without remote_mac
  for (int i = 6; i < 12; ++i) b[i] = std::uint8_t(0x02 + i);
  for (std::uint16_t tpid : tags) {
    Bytes tag(4, 0);
    put16(tag, 0, tpid);
    put16(tag, 2, 100);  // VLAN id
    b = concat(b, tag);
  }
  Bytes type(2);
  put16(type, 0, etherType);
  return concat(concat(b, type), l3);
}

Bytes sll(std::uint16_t protocol, const Bytes& l3) {
  Bytes b(16, 0);
  put16(b, 2, 1);  // ARPHRD_ETHER
  put16(b, 4, 6);
  put16(b, 14, protocol);
  return concat(b, l3);
}

Bytes sll2(std::uint16_t protocol, const Bytes& l3) {
  Bytes b(20, 0);
  put16(b, 0, protocol);
  b[7] = 2;        // ifindex
  put16(b, 8, 1);  // ARPHRD_ETHER
  b[11] = 6;       // address length
  return concat(b, l3);
}

Bytes bsdNull(std::uint32_t family, bool bigEndian, const Bytes& l3) {
  Bytes b(4);
  for (int i = 0; i < 4; ++i) b[bigEndian ? 3 - i : i] = std::uint8_t(family >> (8 * i));
  return concat(b, l3);
}

const Bytes kPayload = text("6,5,1000000,-;netconsole: hello\n");

// Parses an exact-size heap copy of `frame`, so a sanitizer build catches any read past the
// captured bytes. The copy lives in `storage`, which out.payload points into.
FrameResult parse(int linkType, const Bytes& frame, ParsedFrame& out, Bytes& storage) {
  storage.assign(frame.begin(), frame.end());
  return parseFrame(linkType, storage, out);
}

void expectUdp(int linkType, const Bytes& frame, const std::string& src, std::uint16_t dstPort,
               const Bytes& payload = kPayload) {
  ParsedFrame out;
  Bytes storage;
  ASSERT_EQ(parse(linkType, frame, out, storage), FrameResult::Udp);
  EXPECT_EQ(out.src.toString(), src);
  EXPECT_EQ(out.dstPort, dstPort);
  EXPECT_EQ(Bytes(out.payload.begin(), out.payload.end()), payload);
}

FrameResult resultOf(int linkType, const Bytes& frame) {
  ParsedFrame out;
  Bytes storage;
  return parse(linkType, frame, out, storage);
}

// Every strict prefix of a valid frame is a capture cut short somewhere: never Udp, never a crash.
void expectEveryPrefixTruncated(int linkType, const Bytes& frame) {
  for (std::size_t n = 0; n < frame.size(); ++n) {
    Bytes prefix(frame.begin(), frame.begin() + std::ptrdiff_t(n));
    EXPECT_EQ(resultOf(linkType, prefix), FrameResult::Truncated) << "link " << linkType << " cut at " << n;
  }
}

TEST(FrameParserTest, EthernetIpv4) {
  expectUdp(DLT_EN10MB, ether(0x0800, ipv4("10.199.1.2", udp(6665, 6666, kPayload))), "10.199.1.2:6665",
            6666);
}

TEST(FrameParserTest, EthernetIpv6) {
  expectUdp(DLT_EN10MB, ether(0x86dd, ipv6("fd00:199::2", kUdp, udp(6665, 514, kPayload))),
            "[fd00:199::2]:6665", 514);
}

TEST(FrameParserTest, Ipv4SourceIsStoredAsV4) {
  ParsedFrame out;
  Bytes storage;
  ASSERT_EQ(parse(DLT_EN10MB, ether(0x0800, ipv4("192.0.2.7", udp(1, 2, kPayload))), out, storage),
            FrameResult::Udp);
  EXPECT_TRUE(out.src.isV4());
  EXPECT_EQ(out.src.port, 1);
}

TEST(FrameParserTest, EthernetPaddingIsNotPayload) {
  // A short datagram in a minimum-size (60 byte) frame: the IP total length bounds the payload.
  const Bytes payload = text("x\n");
  Bytes frame = ether(0x0800, ipv4("10.0.0.5", udp(6665, 6666, payload)));
  ASSERT_LT(frame.size(), 60u);
  frame.resize(60, 0xee);
  expectUdp(DLT_EN10MB, frame, "10.0.0.5:6665", 6666, payload);
}

TEST(FrameParserTest, UdpLengthBoundsPayload) {
  // Bytes after the UDP length but inside the IP packet are not payload.
  Bytes l4 = udp(6665, 6666, kPayload);
  l4.push_back('Z');
  expectUdp(DLT_IPV4, ipv4("10.0.0.5", l4), "10.0.0.5:6665", 6666);
}

TEST(FrameParserTest, EmptyUdpPayload) {
  expectUdp(DLT_RAW, ipv4("10.0.0.5", udp(9, 6666, {})), "10.0.0.5:9", 6666, {});
}

TEST(FrameParserTest, SingleVlanTag) {
  expectUdp(DLT_EN10MB, ether(0x0800, ipv4("10.0.0.5", udp(6665, 6666, kPayload)), {0x8100}), "10.0.0.5:6665",
            6666);
}

TEST(FrameParserTest, QinqTags) {
  expectUdp(DLT_EN10MB, ether(0x86dd, ipv6("fd00::5", kUdp, udp(6665, 6666, kPayload)), {0x88a8, 0x8100}),
            "[fd00::5]:6665", 6666);
  expectUdp(DLT_EN10MB, ether(0x0800, ipv4("10.0.0.5", udp(6665, 6666, kPayload)), {0x8100, 0x8100}),
            "10.0.0.5:6665", 6666);
}

TEST(FrameParserTest, ThreeVlanTagsAreNotParsed) {
  EXPECT_EQ(resultOf(DLT_EN10MB,
                     ether(0x0800, ipv4("10.0.0.5", udp(6665, 6666, kPayload)), {0x88a8, 0x8100, 0x8100})),
            FrameResult::NotUdp);
}

TEST(FrameParserTest, OtherEtherTypes) {
  EXPECT_EQ(resultOf(DLT_EN10MB, ether(0x0806, Bytes(28, 0))), FrameResult::NotUdp);  // ARP
  EXPECT_EQ(resultOf(DLT_EN10MB, ether(0x002e, Bytes(46, 0))), FrameResult::NotUdp);  // 802.3 length
}

TEST(FrameParserTest, LinuxCookedV1) {
  expectUdp(DLT_LINUX_SLL, sll(0x0800, ipv4("10.0.0.5", udp(6665, 6666, kPayload))), "10.0.0.5:6665", 6666);
  expectUdp(DLT_LINUX_SLL, sll(0x86dd, ipv6("fd00::5", kUdp, udp(6665, 6666, kPayload))), "[fd00::5]:6665",
            6666);
}

TEST(FrameParserTest, LinuxCookedV1WithVlanTagInPayload) {
  // When the driver did not strip the tag, the cooked header's protocol is the TPID.
  Bytes tag{0x00, 0x64, 0x08, 0x00};
  expectUdp(DLT_LINUX_SLL, sll(0x8100, concat(tag, ipv4("10.0.0.5", udp(6665, 6666, kPayload)))),
            "10.0.0.5:6665", 6666);
}

TEST(FrameParserTest, LinuxCookedV2) {
  expectUdp(DLT_LINUX_SLL2, sll2(0x0800, ipv4("10.0.0.5", udp(6665, 6666, kPayload))), "10.0.0.5:6665", 6666);
  expectUdp(DLT_LINUX_SLL2, sll2(0x86dd, ipv6("fd00::5", kUdp, udp(6665, 6666, kPayload))), "[fd00::5]:6665",
            6666);
  EXPECT_EQ(resultOf(DLT_LINUX_SLL2, sll2(0x0806, Bytes(28, 0))), FrameResult::NotUdp);
}

TEST(FrameParserTest, RawIp) {
  expectUdp(DLT_RAW, ipv4("10.0.0.5", udp(6665, 6666, kPayload)), "10.0.0.5:6665", 6666);
  expectUdp(DLT_RAW, ipv6("fd00::5", kUdp, udp(6665, 6666, kPayload)), "[fd00::5]:6665", 6666);
  EXPECT_EQ(resultOf(DLT_RAW, Bytes(40, 0x50)), FrameResult::Malformed);  // version 5
  expectUdp(DLT_IPV4, ipv4("10.0.0.5", udp(6665, 6666, kPayload)), "10.0.0.5:6665", 6666);
  expectUdp(DLT_IPV6, ipv6("fd00::5", kUdp, udp(6665, 6666, kPayload)), "[fd00::5]:6665", 6666);
  // The IPv4/IPv6 link types do not accept the other version.
  EXPECT_EQ(resultOf(DLT_IPV4, ipv6("fd00::5", kUdp, udp(6665, 6666, kPayload))), FrameResult::Malformed);
  EXPECT_EQ(resultOf(DLT_IPV6, ipv4("10.0.0.5", udp(6665, 6666, kPayload), {.optionWords = 5})),
            FrameResult::Malformed);
}

TEST(FrameParserTest, BsdNullAndLoop) {
  const Bytes v4 = ipv4("10.0.0.5", udp(6665, 6666, kPayload));
  const Bytes v6 = ipv6("fd00::5", kUdp, udp(6665, 6666, kPayload));
  // DLT_NULL: the capturing host's byte order, either one.
  expectUdp(DLT_NULL, bsdNull(2, false, v4), "10.0.0.5:6665", 6666);
  expectUdp(DLT_NULL, bsdNull(2, true, v4), "10.0.0.5:6665", 6666);
  for (std::uint32_t af6 : {10u, 24u, 28u, 30u}) {
    expectUdp(DLT_NULL, bsdNull(af6, false, v6), "[fd00::5]:6665", 6666);
    expectUdp(DLT_NULL, bsdNull(af6, true, v6), "[fd00::5]:6665", 6666);
  }
  // DLT_LOOP: always network order.
  expectUdp(DLT_LOOP, bsdNull(2, true, v4), "10.0.0.5:6665", 6666);
  expectUdp(DLT_LOOP, bsdNull(30, true, v6), "[fd00::5]:6665", 6666);
  EXPECT_EQ(resultOf(DLT_NULL, bsdNull(7, false, v4)), FrameResult::NotUdp);
}

TEST(FrameParserTest, UnsupportedLinkType) {
  EXPECT_FALSE(isSupportedLinkType(DLT_PPP));
  EXPECT_EQ(resultOf(DLT_PPP, ipv4("10.0.0.5", udp(6665, 6666, kPayload))), FrameResult::UnsupportedLink);
  for (int dlt : {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP})
    EXPECT_TRUE(isSupportedLinkType(dlt)) << dlt;
}

TEST(FrameParserTest, Ipv4Options) {
  expectUdp(DLT_IPV4, ipv4("10.0.0.5", udp(6665, 6666, kPayload), {.optionWords = 3}), "10.0.0.5:6665", 6666);
}

TEST(FrameParserTest, Ipv4Fragments) {
  const Bytes l4 = udp(6665, 6666, kPayload);
  // More Fragments on the first fragment; a non-zero offset on a later one.
  EXPECT_EQ(resultOf(DLT_IPV4, ipv4("10.0.0.5", l4, {.fragField = 0x2000})), FrameResult::IpFragment);
  EXPECT_EQ(resultOf(DLT_IPV4, ipv4("10.0.0.5", l4, {.fragField = 0x00b9})), FrameResult::IpFragment);
  EXPECT_EQ(resultOf(DLT_IPV4, ipv4("10.0.0.5", l4, {.fragField = 0x0000})), FrameResult::Udp);
}

TEST(FrameParserTest, Ipv4BadHeaders) {
  const Bytes l4 = udp(6665, 6666, kPayload);
  Bytes shortIhl = ipv4("10.0.0.5", l4);
  shortIhl[0] = 0x44;  // IHL 4: less than the fixed header
  EXPECT_EQ(resultOf(DLT_IPV4, shortIhl), FrameResult::Malformed);
  EXPECT_EQ(resultOf(DLT_IPV4, ipv4("10.0.0.5", l4, {.totalLengthDelta = -int(l4.size()) - 1})),
            FrameResult::Malformed);  // total length below the header length
  // A total length beyond the captured bytes: cut short by the snap length.
  EXPECT_EQ(resultOf(DLT_IPV4, ipv4("10.0.0.5", l4, {.totalLengthDelta = 10})), FrameResult::Truncated);
  EXPECT_EQ(resultOf(DLT_IPV4, ipv4("10.0.0.5", l4, {.proto = 6})), FrameResult::NotUdp);  // TCP
  EXPECT_EQ(resultOf(DLT_IPV4, ipv4("10.0.0.5", l4, {.proto = 1})), FrameResult::NotUdp);  // ICMP
}

TEST(FrameParserTest, UdpLengthField) {
  Bytes l4 = udp(6665, 6666, kPayload);
  put16(l4, 4, 7);  // below the UDP header size
  EXPECT_EQ(resultOf(DLT_IPV4, ipv4("10.0.0.5", l4)), FrameResult::Malformed);
  put16(l4, 4, std::uint16_t(l4.size() + 1));  // past the IP payload
  EXPECT_EQ(resultOf(DLT_IPV4, ipv4("10.0.0.5", l4)), FrameResult::Truncated);
  EXPECT_EQ(resultOf(DLT_IPV4, ipv4("10.0.0.5", Bytes(7, 0))), FrameResult::Truncated);
}

TEST(FrameParserTest, Ipv6ExtensionHeaders) {
  const Bytes l4 = udp(6665, 6666, kPayload);
  // hop-by-hop -> routing -> destination options -> AH -> UDP
  Bytes chain = concat(extHeader(43, 0), extHeader(60, 1));
  chain = concat(chain, extHeader(51, 0));
  chain = concat(chain, authHeader(kUdp));
  expectUdp(DLT_IPV6, ipv6("fd00::5", 0, concat(chain, l4)), "[fd00::5]:6665", 6666);
}

TEST(FrameParserTest, Ipv6FragmentHeader) {
  const Bytes l4 = udp(6665, 6666, kPayload);
  EXPECT_EQ(resultOf(DLT_IPV6, ipv6("fd00::5", 44, concat(fragmentHeader(kUdp), l4))),
            FrameResult::IpFragment);
  // Also when it follows another extension header.
  EXPECT_EQ(
      resultOf(DLT_IPV6, ipv6("fd00::5", 0, concat(extHeader(44, 0), concat(fragmentHeader(kUdp), l4)))),
      FrameResult::IpFragment);
}

TEST(FrameParserTest, Ipv6OtherProtocols) {
  EXPECT_EQ(resultOf(DLT_IPV6, ipv6("fd00::5", 58, Bytes(8, 0))), FrameResult::NotUdp);  // ICMPv6
  EXPECT_EQ(resultOf(DLT_IPV6, ipv6("fd00::5", 59, Bytes(8, 0))), FrameResult::NotUdp);  // no next header
  EXPECT_EQ(resultOf(DLT_IPV6, ipv6("fd00::5", 6, Bytes(20, 0))), FrameResult::NotUdp);  // TCP
}

TEST(FrameParserTest, Ipv6Malformed) {
  const Bytes l4 = udp(6665, 6666, kPayload);
  // Payload length 0 (a jumbogram) is not supported.
  EXPECT_EQ(resultOf(DLT_IPV6, ipv6("fd00::5", kUdp, l4, -int(l4.size()))), FrameResult::Malformed);
  // An extension header longer than the declared payload.
  EXPECT_EQ(resultOf(DLT_IPV6, ipv6("fd00::5", 0, extHeader(kUdp, 4), -16)), FrameResult::Malformed);
  // More extension headers than any real packet: the walk is bounded.
  Bytes chain;
  for (int i = 0; i < 12; ++i) chain = concat(chain, extHeader(60, 0));
  EXPECT_EQ(resultOf(DLT_IPV6, ipv6("fd00::5", 60, concat(chain, l4))), FrameResult::Malformed);
  Bytes v4InV6Type = ipv6("fd00::5", kUdp, l4);
  v4InV6Type[0] = 0x40;
  EXPECT_EQ(resultOf(DLT_IPV6, v4InV6Type), FrameResult::Malformed);
}

TEST(FrameParserTest, Ipv6PayloadLengthBeyondCapture) {
  const Bytes l4 = udp(6665, 6666, kPayload);
  EXPECT_EQ(resultOf(DLT_IPV6, ipv6("fd00::5", kUdp, l4, 4)), FrameResult::Truncated);
  // Even when cut short, a fragment header that was captured is recognised as such.
  EXPECT_EQ(resultOf(DLT_IPV6, ipv6("fd00::5", 44, concat(fragmentHeader(kUdp), l4), 100)),
            FrameResult::IpFragment);
}

TEST(FrameParserTest, TruncationAtEveryLayer) {
  const Bytes l4 = udp(6665, 6666, kPayload);
  const Bytes v4 = ipv4("10.0.0.5", l4, {.optionWords = 2});
  Bytes chain = concat(extHeader(60, 1), extHeader(kUdp, 0));
  const Bytes v6 = ipv6("fd00::5", 0, concat(chain, l4));
  expectEveryPrefixTruncated(DLT_EN10MB, ether(0x0800, v4));
  expectEveryPrefixTruncated(DLT_EN10MB, ether(0x86dd, v6, {0x88a8, 0x8100}));
  expectEveryPrefixTruncated(DLT_LINUX_SLL, sll(0x0800, v4));
  expectEveryPrefixTruncated(DLT_LINUX_SLL2, sll2(0x86dd, v6));
  expectEveryPrefixTruncated(DLT_RAW, v4);
  expectEveryPrefixTruncated(DLT_RAW, v6);
  expectEveryPrefixTruncated(DLT_IPV4, v4);
  expectEveryPrefixTruncated(DLT_IPV6, v6);
  expectEveryPrefixTruncated(DLT_NULL, bsdNull(2, false, v4));
  expectEveryPrefixTruncated(DLT_LOOP, bsdNull(30, true, v6));
}

TEST(FrameParserTest, ResultNames) {
  EXPECT_EQ(frameResultName(FrameResult::Udp), "udp");
  EXPECT_EQ(frameResultName(FrameResult::IpFragment), "ip-fragment");
  EXPECT_EQ(frameResultName(FrameResult::Truncated), "truncated");
}

}  // namespace
}  // namespace ncxdp
