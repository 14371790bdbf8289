#include "triage/TriageSink.h"

#include <gtest/gtest.h>

#include <prometheus/text_serializer.h>

#include <string>

#include "metrics/TriageMetrics.h"
#include "triage_test_util.h"

namespace ncxdp {
namespace {

using testing::feedJsonl;
using testing::testSource;

// Records reach the sink one write() at a time, as from the pipeline's sink thread.
class SinkFeed : public RecordHandler {
 public:
  explicit SinkFeed(TriageSink& sink) : sink_(sink) {}
  void onRecord(const Record& r) override { sink_.write(r); }

 private:
  TriageSink& sink_;
};

TEST(TriageSinkTest, PublishesAtTheEndOfEachBatchAndFinishesOnClose) {
  TriageSink sink;
  SinkFeed feed(sink);
  feedJsonl("deb6.12-oops-panic.netconsole.jsonl", feed, testSource(1), 1'800'000'000'000'000);
  feedJsonl("deb6.1-main.netconsole.jsonl", feed, testSource(2), 1'800'000'000'000'000);
  EXPECT_EQ(sink.liveStats().records, 0u) << "nothing is published before the batch ends";
  sink.flush();
  TriageLiveStats s = sink.liveStats();
  EXPECT_GT(s.records, 1000u);
  EXPECT_EQ(s.hostsSeen, 2u);
  EXPECT_EQ(s.hostsAffected, 2u);
  EXPECT_EQ(s.hostsPanicked, 1u);
  // The last report of the main boot (the OOM kill) ended at its "Killed process" line; nothing
  // is left open, so close() adds no event.
  const std::uint64_t before = s.events;
  sink.close();
  s = sink.liveStats();
  EXPECT_EQ(s.events, before);
  EXPECT_EQ(s.openEvents, 0u);
  // 6.1 main: 3 WARNs, 1 hung task, 2 soft lockups, 1 RCU stall, 4 oopses, 1 OOM; 6.12 oops-panic: 1 oops.
  EXPECT_EQ(s.events, 13u);
  EXPECT_EQ(s.eventsByKind[size_t(EventKind::Oops)], 5u);
  EXPECT_EQ(s.eventsByKind[size_t(EventKind::Warning)], 3u);
  EXPECT_EQ(s.clusters, 10u) << "the NULL dereference of both hosts is one cluster";
  // The sink sees gap events too; triage counts messages.
  std::uint64_t gaps = 0;
  for (const char* f : {"deb6.12-oops-panic.netconsole.jsonl", "deb6.1-main.netconsole.jsonl"})
    for (const std::string& line : testing::fixtureLines(f))
      gaps += line.find("\"event\":\"gap\"") != std::string::npos;
  EXPECT_EQ(sink.stats().records, s.records + gaps);
}

TEST(TriageSinkTest, ReportStillOpenAtShutdownIsCounted) {
  TriageSink sink;
  Record r;
  r.src = testSource(3);
  r.recvTsUs = 1'000'000;
  r.text = "BUG: soft lockup - CPU#1 stuck for 22s! [kworker/1:2:77]";
  sink.write(r);
  sink.flush();
  EXPECT_EQ(sink.liveStats().openEvents, 1u);
  EXPECT_EQ(sink.liveStats().events, 0u);
  sink.close();
  EXPECT_EQ(sink.liveStats().events, 1u);
  EXPECT_EQ(sink.liveStats().eventsByKind[size_t(EventKind::SoftLockup)], 1u);
}

TEST(TriageMetricsTest, FamiliesAreBoundedAndNamedByConvention) {
  TriageLiveStats s;
  s.events = 7;
  s.eventsByKind[size_t(EventKind::Oops)] = 5;
  s.eventsByKind[size_t(EventKind::Panic)] = 2;
  s.clusters = 3;
  s.hostsSeen = 10;
  s.hostsAffected = 6;
  s.hostsPanicked = 2;
  s.duplicates = 1;
  const auto families = TriageMetrics::families(s);
  const std::string text = prometheus::TextSerializer().Serialize(families);
  EXPECT_NE(text.find("ncxdp_triage_events_total{kind=\"oops\"} 5"), std::string::npos) << text;
  EXPECT_NE(text.find("ncxdp_triage_events_total{kind=\"panic\"} 2"), std::string::npos);
  EXPECT_NE(text.find("ncxdp_triage_events_total{kind=\"machine_check\"} 0"), std::string::npos);
  EXPECT_NE(text.find("ncxdp_triage_clusters 3"), std::string::npos);
  EXPECT_NE(text.find("ncxdp_triage_hosts{state=\"affected\"} 6"), std::string::npos);
  EXPECT_NE(text.find("ncxdp_triage_hosts{state=\"panicked\"} 2"), std::string::npos);
  EXPECT_NE(text.find("ncxdp_triage_reports_skipped_total{reason=\"duplicate\"} 1"), std::string::npos);
  EXPECT_NE(text.find("# TYPE ncxdp_triage_events_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE ncxdp_triage_clusters gauge"), std::string::npos);
  // One series per kind and per state, whatever the storm: no cluster or host labels.
  std::size_t series = 0;
  for (const auto& f : families) series += f.metric.size();
  EXPECT_EQ(series, kEventKindCount + 1 + 3 + 1 + 1 + 1);
}

}  // namespace
}  // namespace ncxdp
