#include "capture/PcapReplay.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "pipeline/Pipeline.h"

namespace ncxdp {
namespace {

using Bytes = std::vector<std::uint8_t>;

// ---- frames ----

void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = std::uint8_t(v >> 8);
  b[at + 1] = std::uint8_t(v);
}

Bytes ethIpv4Udp(const char* src, std::uint16_t srcPort, std::uint16_t dstPort, const std::string& payload,
                 std::uint8_t proto = 17, std::uint16_t fragField = 0) {
  Bytes f(14 + 20 + 8, 0);
  std::memset(f.data(), 0xff, 6);
  put16(f, 12, 0x0800);
  f[14] = 0x45;
  put16(f, 16, std::uint16_t(20 + 8 + payload.size()));
  put16(f, 20, fragField);
  f[22] = 64;
  f[23] = proto;
  inet_pton(AF_INET, src, &f[26]);
  inet_pton(AF_INET, "10.199.1.1", &f[30]);
  put16(f, 34, srcPort);
  put16(f, 36, dstPort);
  put16(f, 38, std::uint16_t(8 + payload.size()));
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Bytes arpFrame() {
  Bytes f(42, 0);
  std::memset(f.data(), 0xff, 6);
  put16(f, 12, 0x0806);
  return f;
}

struct Packet {
  std::uint64_t tsUs;
  Bytes frame;
};

// ---- capture files ----

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ncxdp-replay-test.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void writePcap(const std::string& path, const std::vector<Packet>& packets, int linkType = DLT_EN10MB,
               bool nano = false) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(
      linkType, 65535, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(dumper, nullptr) << pcap_geterr(dead);
  for (const Packet& p : packets) {
    pcap_pkthdr h{};
    h.ts.tv_sec = time_t(p.tsUs / 1'000'000);
    // With nanosecond precision the dumper writes tv_usec as nanoseconds.
    h.ts.tv_usec = suseconds_t(nano ? (p.tsUs % 1'000'000) * 1000 : p.tsUs % 1'000'000);
    h.caplen = h.len = bpf_u_int32(p.frame.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &h, p.frame.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

// A minimal little-endian pcapng: section header, one Ethernet interface (default microsecond
// resolution), one enhanced packet block per packet. libpcap cannot write pcapng itself.
void writePcapng(const std::string& path, const std::vector<Packet>& packets) {
  std::string out;
  auto u32 = [&](std::uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](std::uint16_t v) { out.append(reinterpret_cast<const char*>(&v), 2); };
  u32(0x0a0d0d0a);  // SHB
  u32(28);
  u32(0x1a2b3c4d);
  u16(1);
  u16(0);
  u32(0xffffffff);  // section length unknown
  u32(0xffffffff);
  u32(28);
  u32(1);  // IDB
  u32(20);
  u16(DLT_EN10MB);
  u16(0);
  u32(0);  // snaplen: unlimited
  u32(20);
  for (const Packet& p : packets) {
    const std::uint32_t padded = std::uint32_t((p.frame.size() + 3) & ~std::size_t(3));
    const std::uint32_t len = 32 + padded;
    u32(6);  // EPB
    u32(len);
    u32(0);  // interface 0
    u32(std::uint32_t(p.tsUs >> 32));
    u32(std::uint32_t(p.tsUs));
    u32(std::uint32_t(p.frame.size()));
    u32(std::uint32_t(p.frame.size()));
    out.append(reinterpret_cast<const char*>(p.frame.data()), p.frame.size());
    out.append(padded - p.frame.size(), '\0');
    u32(len);
  }
  std::ofstream(path, std::ios::binary) << out;
}

// ---- replay through a real pipeline into a collecting sink ----

struct Seen {
  RecordKind kind;
  std::string src;
  std::string text;
  Format format;
  std::uint64_t recvTsUs;
  std::optional<std::uint64_t> seq;
  bool incomplete;
};

class CollectSink : public Sink {
 public:
  explicit CollectSink(std::vector<Seen>& out) : out_(out) {}
  void write(const Record& r) override {
    ++stats_.records;
    out_.push_back(
        {r.kind, r.src.toString(), std::string(r.text), r.format, r.recvTsUs, r.seq, r.incomplete});
  }
  void flush() override {}
  std::string_view name() const override { return "collect"; }

 private:
  std::vector<Seen>& out_;
};

struct ReplayResult {
  std::vector<Seen> records;
  CaptureStats stats;
  std::string error;
};

ReplayResult replay(const std::string& path, std::vector<std::uint16_t> ports = {}) {
  ReplayResult result;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<CollectSink>(result.records));
  Pipeline pipeline(1, std::size_t(1) << 20, std::move(sinks));
  PcapReplay replay({path, std::move(ports), DecoderConfig{}}, pipeline);
  pipeline.start();
  replay.start();
  replay.join();
  pipeline.finish();
  EXPECT_TRUE(replay.finished());
  result.stats = replay.stats();
  result.error = replay.error();
  return result;
}

constexpr std::uint64_t kT0 = 1'700'000'000'000'000;  // 2023-11-14, in microseconds

std::vector<Packet> mixedCapture() {
  return {
      {kT0, ethIpv4Udp("10.0.0.2", 6665, 6666, "6,10,5000,-;extended to 6666\n")},
      {kT0 + 1000, arpFrame()},
      {kT0 + 2000, ethIpv4Udp("10.0.0.3", 6665, 6667, "[    1.000000] plain to 6667\n")},
      {kT0 + 3000, ethIpv4Udp("10.0.0.4", 6665, 6666, "tcp, not udp\n", 6)},
      {kT0 + 4000, ethIpv4Udp("10.0.0.4", 6665, 6666, "a fragment\n", 17, 0x2000)},
      {kT0 + 5000, ethIpv4Udp("10.0.0.2", 6665, 6666, "6,11,6000,-;second\n")},
  };
}

TEST(PcapReplayTest, DecodesEveryUdpPortByDefault) {
  TempDir dir;
  writePcap(dir.file("mixed.pcap"), mixedCapture());
  const ReplayResult r = replay(dir.file("mixed.pcap"));
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[0].src, "10.0.0.2:6665");
  EXPECT_EQ(r.records[0].text, "extended to 6666");
  EXPECT_EQ(r.records[0].seq, 10u);
  EXPECT_EQ(r.records[0].recvTsUs, kT0);  // packet time is the clock
  EXPECT_EQ(r.records[1].src, "10.0.0.3:6665");
  EXPECT_EQ(r.records[1].text, "plain to 6667");
  EXPECT_EQ(r.records[1].format, Format::Plain);
  EXPECT_EQ(r.records[1].recvTsUs, kT0 + 2000);
  EXPECT_EQ(r.records[2].text, "second");
  EXPECT_EQ(r.stats.received, 6u);
  EXPECT_EQ(r.stats.commandStatsOrZero<ReplayStats>().frames.notUdp, 2u);  // ARP, TCP
  EXPECT_EQ(r.stats.commandStatsOrZero<ReplayStats>().frames.ipFragments, 1u);
  EXPECT_EQ(r.stats.commandStatsOrZero<ReplayStats>().filtered, 0u);
  EXPECT_EQ(r.stats.decoder.datagrams, 3u);
  EXPECT_EQ(r.stats.sources, 2u);
}

TEST(PcapReplayTest, PortFilterKeepsOnlyThoseDestinations) {
  TempDir dir;
  writePcap(dir.file("mixed.pcap"), mixedCapture());
  const ReplayResult r = replay(dir.file("mixed.pcap"), {6667});
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].text, "plain to 6667");
  EXPECT_EQ(r.stats.commandStatsOrZero<ReplayStats>().filtered, 2u);
  const ReplayResult both = replay(dir.file("mixed.pcap"), {6667, 6666});
  EXPECT_EQ(both.records.size(), 3u);
}

TEST(PcapReplayTest, PacketTimeDrivesLineAndFragmentTimeouts) {
  TempDir dir;
  const std::uint64_t s = 1'000'000;
  std::vector<Packet> packets = {
      // A plain line without its newline: emitted after 1 s of silence from its source.
      {kT0, ethIpv4Udp("10.0.0.2", 6665, 6666, "[    1.000000] no newline")},
      {kT0 + s / 2, ethIpv4Udp("10.0.0.3", 6665, 6666, "6,1,1,-;b\n")},
      // The first of two fragments only: emitted incomplete after the 2 s fragment timeout.
      {kT0 + s / 2 + 1, ethIpv4Udp("10.0.0.4", 6665, 6666, "6,7,1,-,ncfrag=0/20;0123456789")},
      // 3 s later: both timeouts have passed in packet time, so both records come before this one.
      {kT0 + 3 * s + s / 2, ethIpv4Udp("10.0.0.3", 6665, 6666, "6,2,2,-;c\n")},
  };
  writePcap(dir.file("timeouts.pcap"), packets);
  const ReplayResult r = replay(dir.file("timeouts.pcap"));
  ASSERT_EQ(r.records.size(), 4u);
  EXPECT_EQ(r.records[0].text, "b");
  EXPECT_EQ(r.records[1].text, "no newline");
  EXPECT_EQ(r.records[1].recvTsUs, kT0);
  EXPECT_EQ(r.records[2].text, "0123456789");
  EXPECT_TRUE(r.records[2].incomplete);
  EXPECT_EQ(r.records[3].text, "c");
  EXPECT_EQ(r.stats.decoder.linesIdleFlushed, 1u);
  EXPECT_EQ(r.stats.decoder.messagesIncomplete, 1u);
}

TEST(PcapReplayTest, EndOfFileFlushesPendingState) {
  TempDir dir;
  writePcap(dir.file("tail.pcap"), {{kT0, ethIpv4Udp("10.0.0.2", 6665, 6666, "[    1.000000] last words")}});
  const ReplayResult r = replay(dir.file("tail.pcap"));
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].text, "last words");
}

TEST(PcapReplayTest, NanosecondCaptureGivesMicroseconds) {
  TempDir dir;
  writePcap(dir.file("nano.pcap"), {{kT0 + 123456, ethIpv4Udp("10.0.0.2", 6665, 6666, "6,1,1,-;x\n")}},
            DLT_EN10MB, true);
  const ReplayResult r = replay(dir.file("nano.pcap"));
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].recvTsUs, kT0 + 123456);
}

TEST(PcapReplayTest, ReadsPcapng) {
  TempDir dir;
  writePcapng(dir.file("mixed.pcapng"), mixedCapture());
  const ReplayResult r = replay(dir.file("mixed.pcapng"));
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[0].text, "extended to 6666");
  EXPECT_EQ(r.records[0].recvTsUs, kT0);
  EXPECT_EQ(r.records[1].text, "plain to 6667");
}

TEST(PcapReplayTest, UnreadableFileThrowsWithThePcapError) {
  std::vector<std::unique_ptr<Sink>> sinks;
  std::vector<Seen> seen;
  sinks.push_back(std::make_unique<CollectSink>(seen));
  Pipeline pipeline(1, std::size_t(1) << 20, std::move(sinks));
  try {
    PcapReplay replay({"/nonexistent/x.pcap", {}, DecoderConfig{}}, pipeline);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot read '/nonexistent/x.pcap': /nonexistent/x.pcap: No such file or directory");
  }
  TempDir dir;
  std::ofstream(dir.file("junk.pcap")) << "this is not a capture file at all";
  EXPECT_THROW(PcapReplay({dir.file("junk.pcap"), {}, DecoderConfig{}}, pipeline), std::runtime_error);
}

TEST(PcapReplayTest, UnsupportedLinkTypeThrows) {
  TempDir dir;
  writePcap(dir.file("ppp.pcap"), {{kT0, Bytes(40, 0)}}, DLT_PPP);
  std::vector<std::unique_ptr<Sink>> sinks;
  std::vector<Seen> seen;
  sinks.push_back(std::make_unique<CollectSink>(seen));
  Pipeline pipeline(1, std::size_t(1) << 20, std::move(sinks));
  try {
    PcapReplay replay({dir.file("ppp.pcap"), {}, DecoderConfig{}}, pipeline);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported link type PPP"), std::string::npos) << e.what();
  }
}

TEST(PcapReplayTest, FileCutShortKeepsWhatWasReadAndReportsIt) {
  TempDir dir;
  std::vector<Packet> packets = mixedCapture();
  writePcap(dir.file("cut.pcap"), packets);
  // Drop the last 10 bytes: the final packet's data is incomplete.
  const std::string path = dir.file("cut.pcap");
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 10);
  const ReplayResult r = replay(path);
  EXPECT_NE(r.error.find("reading '" + path + "'"), std::string::npos) << r.error;
  EXPECT_EQ(r.records.size(), 2u);  // the third record was in the cut packet
  EXPECT_EQ(r.stats.received, 5u);
}

}  // namespace
}  // namespace ncxdp
