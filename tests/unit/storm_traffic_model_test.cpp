// The storm's traffic model against ncxdp's real decoder: every record a scenario says a host
// sent must come out of the Decoder exactly (seq, msgid, text, dictionary), fragments and plain
// splits included; and the wire bytes follow the format document's test vectors.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "decode/Decoder.h"
#include "storm/FlatWorkload.h"
#include "storm/NetconsoleEncoder.h"
#include "storm/RecordDigest.h"
#include "storm/TrafficModel.h"

namespace ncxdp::storm {
namespace {

// What a receiver decoded, as the checker sees it: digests per source, gap events counted.
class Collect : public RecordHandler {
 public:
  void onRecord(const Record& r) override {
    const std::string src = r.src.toString();
    if (r.kind == RecordKind::Gap) {
      ++gaps[src];
      return;
    }
    ContentHash hash;
    hash.text(r.text);
    for (const KeyValue& kv : r.dict) hash.pair(kv.key, kv.value);
    digests[src].push_back(recordDigest(r.seq, r.msgid, hash.value()));
    if (r.incomplete) ++incomplete;
  }
  std::map<std::string, std::vector<std::uint64_t>> digests;
  std::map<std::string, int> gaps;
  int incomplete = 0;
};

class Datagrams : public DatagramOut {
 public:
  void datagram(std::span<const std::uint8_t> p) override { out.emplace_back(p.begin(), p.end()); }
  std::vector<std::string> out;
};

// Feeds the model's datagrams in send order through one Decoder.
Collect decodeAll(const TrafficModel& model) {
  Decoder decoder;
  Collect got;
  std::uint64_t now = 1'000'000;
  for (const PlannedDatagram& d : model.datagrams())
    decoder.feed(model.hosts()[d.host].src, model.payload(d), now++, got);
  decoder.flush(now, got);
  return got;
}

void expectExact(const TrafficModel& model, const Collect& got) {
  for (std::size_t h = 0; h < model.hosts().size(); ++h) {
    const std::string src = model.hosts()[h].src.toString();
    std::vector<std::uint64_t> want;
    for (const ExpectedRecord& r : model.recordsOf(h)) want.push_back(r.digest);
    std::vector<std::uint64_t> have =
        got.digests.count(src) ? got.digests.at(src) : std::vector<std::uint64_t>{};
    // Per-source order is kept by the decoder: compare in order, not only as sets.
    EXPECT_EQ(have, want) << src << " (" << hostKindName(model.hosts()[h].kind) << ")";
  }
  EXPECT_EQ(got.incomplete, 0);
}

FleetConfig fleet(std::size_t hosts, FormatMix mix = FormatMix::Mixed) {
  FleetConfig c;
  c.hosts = hosts;
  c.formats = mix;
  c.v6Every = 4;
  return c;
}

TEST(StormTrafficModel, MixedScenarioDecodesExactly) {
  TrafficConfig tc;
  tc.scenario = Scenario::Mixed;
  TrafficModel model(tc, makeFleet(fleet(24)));
  const Collect got = decodeAll(model);
  expectExact(model, got);
  EXPECT_TRUE(got.gaps.empty()) << "nothing withheld, so no gap";
  // Every kind of host and both address families are in the fleet.
  bool v6 = false;
  std::map<HostKind, int> kinds;
  for (const Host& h : model.hosts()) v6 |= !h.src.isV4(), ++kinds[h.kind];
  EXPECT_TRUE(v6);
  EXPECT_EQ(kinds.size(), 3u);
}

TEST(StormTrafficModel, PanicBurstHasExactlyBurstRecordsAndFragments) {
  for (std::size_t burst : {1u, 3u, 10u, 100u}) {
    TrafficConfig tc;
    tc.scenario = Scenario::Panic;
    tc.burst = burst;
    TrafficModel model(tc, makeFleet(fleet(10)));
    for (std::size_t h = 0; h < 10; ++h) EXPECT_EQ(model.recordsOf(h).size(), burst) << "host " << h;
    expectExact(model, decodeAll(model));
  }
  TrafficConfig tc;
  tc.scenario = Scenario::Panic;
  TrafficModel model(tc, makeFleet(fleet(5)));
  // The long "Modules linked in" line: more than one datagram for every kind of target.
  std::vector<int> perHost(5, 0);
  for (const PlannedDatagram& d : model.datagrams()) {
    EXPECT_LE(d.length, NetconsoleEncoder::kMaxPayload);
    ++perHost[d.host];
  }
  for (int n : perHost) EXPECT_EQ(n, 101);
}

TEST(StormTrafficModel, SeqAndMsgidArePerHostAndContiguous) {
  TrafficConfig tc;
  tc.scenario = Scenario::Panic;
  tc.burst = 50;
  TrafficModel model(tc, makeFleet(fleet(10)));
  for (std::size_t h = 0; h < 10; ++h) {
    const auto records = model.recordsOf(h);
    const HostKind kind = model.hosts()[h].kind;
    for (std::size_t k = 1; k < records.size(); ++k) {
      if (kind == HostKind::Plain) {
        EXPECT_FALSE(records[k].seq.has_value());
        continue;
      }
      EXPECT_EQ(*records[k].seq, *records[k - 1].seq + 1);
      EXPECT_EQ(records[k].msgid.has_value(), kind == HostKind::Extended618);
      if (records[k].msgid) EXPECT_EQ(*records[k].msgid, *records[k - 1].msgid + 1);
    }
  }
}

TEST(StormTrafficModel, WithheldMessagesBecomeGapsAndReversedFragmentsStillDecode) {
  TrafficConfig tc;
  tc.scenario = Scenario::Mixed;
  tc.withholdEvery = 5;
  tc.reverseFragments = true;
  TrafficModel model(tc, makeFleet(fleet(16)));
  const Collect got = decodeAll(model);
  expectExact(model, got);
  std::uint64_t withheld = 0;
  for (std::size_t h = 0; h < 16; ++h) {
    withheld += model.withheld(h);
    const std::string src = model.hosts()[h].src.toString();
    if (model.hosts()[h].kind == HostKind::Plain) {
      EXPECT_EQ(model.withheld(h), 0u) << "plain targets have no seq: nothing to detect a gap with";
    } else {
      EXPECT_GT(model.withheld(h), 0u);
      // One seq gap per withheld message, and one msgid gap more on 6.18 hosts.
      const int perGap = model.hosts()[h].kind == HostKind::Extended618 ? 2 : 1;
      EXPECT_EQ(got.gaps.count(src) ? got.gaps.at(src) : 0, int(model.withheld(h)) * perGap) << src;
    }
  }
  EXPECT_GT(withheld, 0u);
}

TEST(StormTrafficModel, SameConfigSameBytes) {
  TrafficConfig tc;
  tc.scenario = Scenario::Panic;
  TrafficModel a(tc, makeFleet(fleet(7)));
  TrafficModel b(tc, makeFleet(fleet(7)));
  ASSERT_EQ(a.datagrams().size(), b.datagrams().size());
  for (std::size_t i = 0; i < a.datagrams().size(); ++i) {
    const auto pa = a.payload(a.datagrams()[i]);
    const auto pb = b.payload(b.datagrams()[i]);
    ASSERT_TRUE(std::equal(pa.begin(), pa.end(), pb.begin(), pb.end())) << "datagram " << i;
  }
}

TEST(StormTrafficModel, HostsInterleaveMessageByMessage) {
  TrafficConfig tc;
  tc.scenario = Scenario::Panic;
  tc.burst = 5;
  TrafficModel model(tc, makeFleet(fleet(3)));
  // Round robin: the first three messages come from three different hosts.
  const auto& d = model.datagrams();
  EXPECT_EQ(d[0].host, 0u);
  EXPECT_EQ(d[1].host, 1u);
  EXPECT_EQ(d[2].host, 2u);
}

Host extendedHost(HostKind kind, std::uint64_t seq, std::uint64_t ts) {
  Host h;
  h.kind = kind;
  h.seq = seq;
  h.tsUs = ts;
  return h;
}

TEST(StormNetconsoleEncoder, FormatDocumentVector11Fragments) {
  // 6.1, text 1500 x A, level 6, seq 5, ts 1000000: two datagrams, offsets 0 and 972 of 1501.
  NetconsoleEncoder enc;
  Datagrams out;
  Host h = extendedHost(HostKind::Extended61, 5, 1000000);
  const std::string text(1500, 'A');
  Message m;
  m.text = text;
  enc.encode(h, m, out);
  ASSERT_EQ(out.out.size(), 2u);
  EXPECT_EQ(out.out[0], "6,5,1000000,-,ncfrag=0/1501;" + std::string(972, 'A'));
  EXPECT_EQ(out.out[1], "6,5,1000000,-,ncfrag=972/1501;" + std::string(528, 'A') + "\n");
  EXPECT_EQ(h.seq, 6u);
}

TEST(StormNetconsoleEncoder, FormatDocumentVector8Escapes) {
  NetconsoleEncoder enc;
  Datagrams out;
  Host h = extendedHost(HostKind::Extended61, 77, 1000);
  Message m;
  m.level = 4;
  m.text = "tab\there back\\slash caf\xc3\xa9 nl\nx";
  enc.encode(h, m, out);
  ASSERT_EQ(out.out.size(), 1u);
  EXPECT_EQ(out.out[0], "4,77,1000,-;tab\\x09here back\\x5cslash caf\\xc3\\xa9 nl\\x0ax\n");
}

TEST(StormNetconsoleEncoder, ModernHostSendsReleaseUserdataAndSysdata) {
  NetconsoleEncoder enc;
  Datagrams out;
  Host h = extendedHost(HostKind::Extended618, 1822, 115075213798);
  h.msgid = 1;
  h.cpu = 3;
  const UserData ud[] = {{"key", "value"}};
  Message m;
  m.level = 13;
  m.text = "netconsole selftest: netcons_gtJHM";
  m.userdata = ud;
  m.taskname = "echo";
  const ExpectedRecord r = enc.encode(h, m, out);
  ASSERT_EQ(out.out.size(), 1u);
  EXPECT_EQ(out.out[0],
            std::string(NetconsoleEncoder::kRelease) +
                ",13,1822,115075213798,-;netconsole selftest: netcons_gtJHM\n key=value\n cpu=3\n "
                "taskname=echo\n msgid=1\n");
  EXPECT_EQ(r.seq, 1822u);
  EXPECT_EQ(r.msgid, 1u);
  EXPECT_EQ(h.msgid, 2u);
}

TEST(StormNetconsoleEncoder, FormatDocumentVector4PlainSplit) {
  NetconsoleEncoder enc;
  Datagrams out;
  Host h;
  h.kind = HostKind::Plain;
  h.tsUs = 12'345'678;
  const std::string text(1485, 'B');
  Message m;
  m.text = text;
  enc.encode(h, m, out);
  ASSERT_EQ(out.out.size(), 2u);
  EXPECT_EQ(out.out[0].size(), 1000u);
  EXPECT_EQ(out.out[1].size(), 501u);
  EXPECT_EQ(out.out[0].substr(0, 15), "[   12.345678] ");
  EXPECT_EQ(out.out[1].back(), '\n');
}

TEST(StormFlatWorkload, ExpectedRecordsMatchTheDecoder) {
  FleetConfig fc = fleet(4, FormatMix::Extended);
  fc.v6Every = 0;
  FlatWorkload flat(makeFleet(fc), 300);
  FrameConfig frames;
  ASSERT_TRUE(Source::parse("10.199.0.1:6666", frames.dst4));
  FrameBuilder builder(frames);
  flat.prepare(builder);
  Decoder decoder;
  Collect got;
  std::uint8_t frame[FrameBuilder::kMaxFrameBytes];
  for (int i = 0; i < 40; ++i) {
    FrameInfo info;
    const std::size_t n = flat.nextFrame(frame, info);
    decoder.feed(flat.hosts()[info.host].src, {frame + 42, n - 42}, 1000 + i, got);
  }
  decoder.flush(2000, got);
  for (std::size_t h = 0; h < 4; ++h) {
    std::vector<std::uint64_t> want;
    for (std::uint64_t k = 0; k < 10; ++k) want.push_back(flat.expected(h, k).digest);
    EXPECT_EQ(got.digests[flat.hosts()[h].src.toString()], want) << "host " << h;
  }
}

}  // namespace
}  // namespace ncxdp::storm
