// StormRunner with the pcap sender: every frame of a scenario reaches the file in send order and
// parses as the netconsole datagram the model planned; the count bound stops on a message
// boundary; the ledger counts exactly what left.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <atomic>
#include <cstring>
#include <string>

#include "capture/FrameParser.h"
#include "storm/PcapFileSender.h"
#include "storm/ScenarioWorkload.h"
#include "storm/StormRunner.h"
#include "test_files.h"

namespace ncxdp::storm {
namespace {

FrameConfig frames() {
  FrameConfig c;
  EXPECT_TRUE(Source::parse("10.199.0.1:6666", c.dst4));
  EXPECT_TRUE(Source::parse("[fd00:199::1]:6666", c.dst6));
  return c;
}

TrafficConfig panic(std::size_t burst) {
  TrafficConfig tc;
  tc.scenario = Scenario::Panic;
  tc.burst = burst;
  return tc;
}

FleetConfig fleet() {
  FleetConfig fc;
  fc.hosts = 12;
  fc.v6Every = 3;
  return fc;
}

TEST(StormRunner, WritesEveryPlannedFrameToPcap) {
  ncxdp::testing::TempDir dir("storm_runner");
  const std::string path = dir.path + "/storm.pcap";
  ScenarioWorkload workload(panic(20), makeFleet(fleet()));
  FrameBuilder builder(frames());
  workload.prepare(builder);
  SendSummary summary;
  std::vector<HostLedger> ledger;
  {
    PcapFileSender sender(path, 1000, 64);
    RunConfig run;
    run.progress = false;
    StormRunner runner(workload, sender, run);
    const std::atomic<bool> stop{false};
    summary = runner.run(stop);
    ledger = runner.ledger();
  }
  EXPECT_EQ(summary.stop, "complete");
  EXPECT_EQ(summary.frames, workload.frameCount());
  std::uint64_t records = 0;
  for (std::size_t h = 0; h < ledger.size(); ++h) {
    EXPECT_EQ(ledger[h].records, 20u) << "host " << h;
    records += ledger[h].records;
  }
  EXPECT_EQ(records, 12u * 20);

  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pcap = pcap_open_offline(path.c_str(), err);
  ASSERT_NE(pcap, nullptr) << err;
  EXPECT_EQ(pcap_datalink(pcap), DLT_EN10MB);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  std::size_t i = 0;
  const auto& planned = workload.model().datagrams();
  while (pcap_next_ex(pcap, &header, &data) == 1) {
    ASSERT_LT(i, planned.size());
    ParsedFrame parsed;
    ASSERT_EQ(parseFrame(DLT_EN10MB, {data, header->caplen}, parsed), FrameResult::Udp) << "frame " << i;
    EXPECT_EQ(parsed.src, workload.hosts()[planned[i].host].src);
    const auto want = workload.model().payload(planned[i]);
    ASSERT_EQ(parsed.payload.size(), want.size());
    EXPECT_EQ(0, std::memcmp(parsed.payload.data(), want.data(), want.size())) << "frame " << i;
    ++i;
  }
  pcap_close(pcap);
  EXPECT_EQ(i, planned.size());
}

TEST(StormRunner, CountBoundStopsOnAMessageBoundary) {
  ncxdp::testing::TempDir dir("storm_runner");
  // 40 messages per host: the long "Modules linked in" line (two datagrams) comes around round 20,
  // inside the first 300 datagrams of 12 hosts.
  ScenarioWorkload workload(panic(40), makeFleet(fleet()));
  FrameBuilder builder(frames());
  workload.prepare(builder);
  PcapFileSender sender(dir.path + "/part.pcap", 0, 64);
  RunConfig run;
  run.progress = false;
  run.count = 300;
  StormRunner runner(workload, sender, run);
  const std::atomic<bool> stop{false};
  const SendSummary s = runner.run(stop);
  EXPECT_EQ(s.stop, "count");
  // 300 datagrams, plus the rest of a fragmented message if the 300th was not its last.
  EXPECT_GE(s.frames, 300u);
  EXPECT_LE(s.frames, 301u);
  std::uint64_t datagrams = 0, records = 0;
  for (const HostLedger& l : runner.ledger()) datagrams += l.datagrams, records += l.records;
  EXPECT_EQ(datagrams, s.frames);
  // Every message started was finished: the last frame ends a message, and the ledger's records
  // are exactly the planned records among the frames sent.
  ASSERT_GT(s.frames, 0u);
  EXPECT_TRUE(workload.model().messageEnd(s.frames - 1));
  std::uint64_t planned = 0;
  for (std::size_t i = 0; i < s.frames; ++i) planned += workload.model().datagrams()[i].record >= 0;
  EXPECT_EQ(records, planned);
  EXPECT_LT(records, datagrams) << "the first 300 datagrams include two-datagram messages";
}

}  // namespace
}  // namespace ncxdp::storm
