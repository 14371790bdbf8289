// ncxdp-storm's manifest and checker end to end without a network: a scenario decoded by ncxdp's
// Decoder and written by its real JSON lines sink must check as exact; a lost, a duplicated and a
// corrupted line must each be counted as such. Also the rate limiter's pacing.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "decode/Decoder.h"
#include "sink/JsonlSink.h"
#include "storm/Checker.h"
#include "storm/Manifest.h"
#include "storm/RateLimiter.h"
#include "storm/ScenarioWorkload.h"
#include "test_files.h"

namespace ncxdp::storm {
namespace {

class ToSink : public RecordHandler {
 public:
  explicit ToSink(Sink& sink) : sink_(sink) {}
  void onRecord(const Record& r) override { sink_.write(r); }

 private:
  Sink& sink_;
};

struct Fixture {
  ncxdp::testing::TempDir dir{"storm_checker"};
  std::string manifest = dir.path + "/manifest.json";
  std::string jsonl = dir.path + "/out.jsonl";
  StormConfig config;

  Fixture() {
    config.fleet.hosts = 30;
    config.fleet.v6Every = 5;
    config.traffic.scenario = Scenario::Mixed;
    config.traffic.withholdEvery = 9;
    std::unique_ptr<Workload> workload = makeWorkload(config);
    auto& scenario = static_cast<ScenarioWorkload&>(*workload);
    // Everything "sent": the ledger a full run would have.
    std::vector<HostLedger> ledger(workload->hosts().size());
    for (std::size_t h = 0; h < ledger.size(); ++h) ledger[h].records = workload->recordCount(h);
    for (const PlannedDatagram& d : scenario.model().datagrams()) ++ledger[d.host].datagrams;
    writeManifest(manifest, config, *workload, ledger, SendSummary{});
    JsonlSink sink(jsonl);
    ToSink handler(sink);
    Decoder decoder;
    for (const PlannedDatagram& d : scenario.model().datagrams())
      decoder.feed(workload->hosts()[d.host].src, scenario.model().payload(d), 1'000'000, handler);
    decoder.flush(2'000'000, handler);
    sink.close();
  }

  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(ncxdp::testing::readFile(jsonl));
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  void rewrite(const std::vector<std::string>& lines) const {
    std::ofstream out(jsonl, std::ios::trunc);
    for (const auto& l : lines) out << l << '\n';
  }
  CheckReport check() const {
    Checker checker(readManifest(manifest));
    checker.addJsonl(jsonl);
    return checker.report();
  }
};

TEST(StormChecker, DecodedOutputIsExact) {
  Fixture f;
  const CheckReport r = f.check();
  EXPECT_TRUE(r.exact());
  EXPECT_EQ(r.hosts, 30u);
  EXPECT_EQ(r.hostsExact, 30u);
  EXPECT_GT(r.expected, 1000u);
  EXPECT_EQ(r.matched, r.expected);
  EXPECT_EQ(r.unexpected, 0u);
  EXPECT_GT(r.withheld, 0u);
  EXPECT_GT(r.gapEvents, 0u) << "withheld messages show up as the receiver's gap events";
}

TEST(StormChecker, CountsLostDuplicatedAndCorruptedRecords) {
  Fixture f;
  std::vector<std::string> lines = f.lines();
  // The first message line (not a gap event): drop it, duplicate the next, corrupt a third.
  std::size_t i = 0;
  while (lines[i].find("\"event\"") != std::string::npos) ++i;
  std::size_t j = i + 1;
  while (lines[j].find("\"event\"") != std::string::npos) ++j;
  std::size_t k = j + 1;
  while (lines[k].find("\"event\"") != std::string::npos || lines[k].find("\"text\":\"") == std::string::npos)
    ++k;
  const std::size_t t = lines[k].find("\"text\":\"") + 8;
  lines[k][t] = lines[k][t] == 'Z' ? 'Y' : 'Z';
  lines.push_back(lines[j]);
  lines.erase(lines.begin() + std::ptrdiff_t(i));
  f.rewrite(lines);
  const CheckReport r = f.check();
  EXPECT_FALSE(r.exact());
  EXPECT_EQ(r.missing(), 2u) << "the dropped record and the corrupted one";
  EXPECT_EQ(r.unexpected, 2u) << "the duplicate and the corrupted one";
  EXPECT_LE(r.hostsExact, 28u);
  EXPECT_FALSE(r.worst.empty());
}

TEST(StormChecker, UnknownSourcesAndBadManifestsAreReported) {
  Fixture f;
  std::vector<std::string> lines = f.lines();
  std::string stray = lines.front();
  const std::size_t at = stray.find("\"src\":\"") + 7;
  stray.replace(at, stray.find('"', at) - at, "192.0.2.1:6665");
  lines.push_back(stray);
  f.rewrite(lines);
  EXPECT_EQ(f.check().unknownSources, stray.find("\"event\"") == std::string::npos ? 1u : 0u);
  {
    std::ofstream out(f.manifest, std::ios::trunc);
    out << "{\"generator\":\"something else\"}\n";
  }
  EXPECT_THROW(readManifest(f.manifest), std::runtime_error);
  EXPECT_THROW(readManifest(f.dir.path + "/missing.json"), std::runtime_error);
}

TEST(StormRateLimiter, PacesBatchesAtTheTargetRate) {
  RateLimiter limiter(20'000);
  const std::uint64_t start = RateLimiter::nowNs();
  std::uint64_t granted = 0;
  while (granted < 2'000) granted += limiter.acquire(50);
  const double seconds = double(RateLimiter::nowNs() - start) * 1e-9;
  // 2,000 frames at 20,000/s: 0.1 s, the first batch going at once.
  EXPECT_GE(seconds, 0.09);
  EXPECT_LT(seconds, 0.5);
  RateLimiter unlimited(0);
  EXPECT_EQ(unlimited.acquire(64), 64u);
}

}  // namespace
}  // namespace ncxdp::storm
