// FrameBuilder and FlatWorkload: the frames ncxdp-storm puts on the wire must be what a real
// netpoll sends (checksums valid, TTL/hop limit, addresses and ports) and must parse with ncxdp's
// own FrameParser; flat frames patched per message must stay valid.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <pcap/dlt.h>

#include <cstring>
#include <string>
#include <vector>

#include "capture/FrameParser.h"
#include "storm/FlatWorkload.h"
#include "storm/FrameBuilder.h"

namespace ncxdp::storm {
namespace {

std::uint16_t fold(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return std::uint16_t(sum);
}

// A packet's UDP checksum is right when pseudo header + UDP header + payload sum to 0xffff.
bool udpChecksumValid(const std::uint8_t* frame, std::size_t len) {
  const bool v4 = frame[12] == 0x08;
  const std::uint8_t* ip = frame + 14;
  const std::size_t udpAt = 14 + (v4 ? 20 : 40);
  const std::size_t udpLen = len - udpAt;
  std::uint64_t sum = v4 ? FrameBuilder::sum(ip + 12, 8) : FrameBuilder::sum(ip + 8, 32);
  sum += 17 + udpLen + FrameBuilder::sum(frame + udpAt, udpLen);
  return fold(sum) == 0xffff;
}

FrameConfig config() {
  FrameConfig c;
  c.srcMac = {0x02, 0, 0, 0, 0, 0x01};
  c.dstMac = {0x02, 0, 0, 0, 0, 0x02};
  EXPECT_TRUE(Source::parse("10.199.0.1:6666", c.dst4));
  EXPECT_TRUE(Source::parse("[fd00:199::1]:6666", c.dst6));
  return c;
}

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(StormFrameBuilder, Ipv4FrameParsesWithValidChecksums) {
  FrameBuilder builder(config());
  Source src;
  ASSERT_TRUE(Source::parse("10.199.3.4:6665", src));
  const std::string payload = "6,1234,12345678,-;netconsole: network logging started\n";
  std::uint8_t frame[FrameBuilder::kMaxFrameBytes];
  FrameLayout layout;
  const std::size_t n = builder.build(src, bytes(payload), frame, &layout);
  ASSERT_EQ(n, 14 + 20 + 8 + payload.size());
  EXPECT_EQ(layout.payloadOffset, 42u);
  EXPECT_EQ(0, std::memcmp(frame, config().dstMac.data(), 6));
  EXPECT_EQ(0, std::memcmp(frame + 6, config().srcMac.data(), 6));
  EXPECT_EQ(frame[14 + 8], 64) << "netpoll sends IPv4 with TTL 64";
  EXPECT_EQ(fold(FrameBuilder::sum(frame + 14, 20)), 0xffff) << "IPv4 header checksum";
  EXPECT_TRUE(udpChecksumValid(frame, n));
  ParsedFrame parsed;
  ASSERT_EQ(parseFrame(DLT_EN10MB, {frame, n}, parsed), FrameResult::Udp);
  EXPECT_EQ(parsed.src, src);
  EXPECT_EQ(parsed.dstPort, 6666);
  EXPECT_EQ(std::string(parsed.payload.begin(), parsed.payload.end()), payload);
}

TEST(StormFrameBuilder, Ipv6FrameParsesWithValidChecksum) {
  FrameBuilder builder(config());
  Source src;
  ASSERT_TRUE(Source::parse("[fd00:199::100]:6665", src));
  const std::string payload(1000, 'x');
  std::uint8_t frame[FrameBuilder::kMaxFrameBytes];
  const std::size_t n = builder.build(src, bytes(payload), frame);
  ASSERT_EQ(n, 14 + 40 + 8 + 1000u);
  EXPECT_EQ(frame[14 + 7], 32) << "netpoll sends IPv6 with hop limit 32";
  EXPECT_TRUE(udpChecksumValid(frame, n));
  ParsedFrame parsed;
  ASSERT_EQ(parseFrame(DLT_EN10MB, {frame, n}, parsed), FrameResult::Udp);
  EXPECT_EQ(parsed.src, src);
  EXPECT_EQ(parsed.payload.size(), 1000u);
}

TEST(StormFrameBuilder, OddLengthPayloadChecksum) {
  FrameBuilder builder(config());
  Source src;
  ASSERT_TRUE(Source::parse("10.199.0.9:6665", src));
  std::uint8_t frame[FrameBuilder::kMaxFrameBytes];
  for (std::size_t len : {0u, 1u, 2u, 3u, 999u}) {
    const std::string payload(len, char(0xa5));
    const std::size_t n = builder.build(src, bytes(payload), frame);
    EXPECT_TRUE(udpChecksumValid(frame, n)) << "payload of " << len;
  }
}

TEST(StormFrameBuilder, SumAtOddOffsetMatchesWholeSum) {
  const std::uint8_t data[] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde};
  // The sum of the whole equals the sum of the parts when a part starts at an odd offset.
  for (std::size_t split = 0; split <= sizeof data; ++split)
    EXPECT_EQ(
        fold(FrameBuilder::sum(data, sizeof data)),
        fold(FrameBuilder::sum(data, split) + FrameBuilder::sum(data + split, sizeof data - split, split)))
        << "split at " << split;
}

TEST(StormFrameBuilder, RefusesWhatCannotBeSent) {
  FrameConfig c = config();
  c.dst6 = Source{};
  FrameBuilder builder(c);
  Source v6;
  ASSERT_TRUE(Source::parse("[fd00:199::100]:6665", v6));
  std::uint8_t frame[FrameBuilder::kMaxFrameBytes];
  EXPECT_THROW(builder.build(v6, bytes("x"), frame), std::invalid_argument);
  Source v4;
  ASSERT_TRUE(Source::parse("10.199.0.9:6665", v4));
  EXPECT_THROW(builder.build(v4, bytes(std::string(3000, 'x')), frame), std::invalid_argument);
}

TEST(StormFlatWorkload, PatchedFramesStayValidAndCarryTheRightNumbers) {
  FleetConfig fc;
  fc.hosts = 3;
  fc.formats = FormatMix::Extended;
  for (std::size_t payloadBytes : {100u, 1000u}) {
    FlatWorkload flat(makeFleet(fc), payloadBytes);
    FrameBuilder builder(config());
    flat.prepare(builder);
    std::uint8_t frame[FrameBuilder::kMaxFrameBytes];
    for (int i = 0; i < 3 * 12; ++i) {
      FrameInfo info;
      const std::size_t n = flat.nextFrame(frame, info);
      ASSERT_GT(n, 0u);
      EXPECT_EQ(info.host, std::uint32_t(i % 3)) << "round robin over hosts";
      EXPECT_TRUE(info.completesRecord && info.messageEnd);
      EXPECT_TRUE(udpChecksumValid(frame, n)) << "frame " << i;
      ParsedFrame parsed;
      ASSERT_EQ(parseFrame(DLT_EN10MB, {frame, n}, parsed), FrameResult::Udp);
      ASSERT_EQ(parsed.payload.size(), payloadBytes);
      const std::string payload(parsed.payload.begin(), parsed.payload.end());
      const std::string seq = std::to_string(FlatWorkload::kFirstSeq + std::uint64_t(i / 3));
      EXPECT_NE(payload.find("6," + seq + ",3600000000,-;"), std::string::npos) << payload.substr(0, 60);
      if (info.host % 2 == 1) EXPECT_NE(payload.find(" msgid=" + seq + "\n"), std::string::npos);
    }
  }
}

TEST(StormFlatWorkload, RefusesPlainHostsAndTinyPayloads) {
  FleetConfig fc;
  fc.hosts = 2;
  fc.formats = FormatMix::Plain;
  EXPECT_THROW(FlatWorkload(makeFleet(fc), 100), std::invalid_argument);
  fc.formats = FormatMix::Extended;
  EXPECT_THROW(FlatWorkload(makeFleet(fc), 20), std::invalid_argument);
  EXPECT_THROW(FlatWorkload(makeFleet(fc), 1001), std::invalid_argument);
}

}  // namespace
}  // namespace ncxdp::storm
