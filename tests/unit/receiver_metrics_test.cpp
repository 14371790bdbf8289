#include "metrics/ReceiverMetrics.h"

#include <gtest/gtest.h>

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>

namespace ncxdp {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

const MetricFamily* find(const std::vector<MetricFamily>& families, const std::string& name) {
  const auto it =
      std::find_if(families.begin(), families.end(), [&](const MetricFamily& f) { return f.name == name; });
  return it == families.end() ? nullptr : &*it;
}

bool hasLabels(const ClientMetric& m, const std::vector<ClientMetric::Label>& want) {
  return std::all_of(want.begin(), want.end(), [&](const ClientMetric::Label& l) {
    return std::find(m.label.begin(), m.label.end(), l) != m.label.end();
  });
}

// The value of the one sample of `name` carrying every label in `labels`; fails if not exactly one.
double value(const std::vector<MetricFamily>& families, const std::string& name,
             const std::vector<ClientMetric::Label>& labels = {}) {
  const MetricFamily* f = find(families, name);
  EXPECT_NE(f, nullptr) << name;
  if (f == nullptr) return -1;
  const ClientMetric* hit = nullptr;
  int matches = 0;
  for (const ClientMetric& m : f->metric)
    if (hasLabels(m, labels)) {
      hit = &m;
      ++matches;
    }
  EXPECT_EQ(matches, 1) << name;
  if (hit == nullptr) return -1;
  return f->type == MetricType::Counter ? hit->counter.value : hit->gauge.value;
}

double sum(const std::vector<MetricFamily>& families, const std::string& name) {
  const MetricFamily* f = find(families, name);
  double total = 0;
  if (f != nullptr)
    for (const ClientMetric& m : f->metric)
      total += f->type == MetricType::Counter ? m.counter.value : m.gauge.value;
  return total;
}

MetricsSnapshot attachSnapshot() {
  MetricsSnapshot s;
  s.command = "attach";
  s.path = "af_xdp";
  s.startTimeSeconds = 1700000000.5;
  for (std::uint32_t q : {0u, 3u}) {
    LaneMetrics lane;
    lane.queue = q;
    lane.stats.received = 100 + q;
    lane.stats.truncated = q;
    lane.stats.decoder.bytes = 5000 + q;
    lane.stats.decoder.recordsPlain = 10;
    lane.stats.decoder.recordsExtended = 80 + q;
    lane.stats.decoder.seqMissing = 2;
    lane.stats.decoder.recordsDumped = 5;
    lane.stats.decoder.seqGaps = 1;
    lane.stats.decoder.msgidMissing = q;
    lane.stats.sources = 4;
    lane.hasSocketStats = true;
    lane.umemBytes = std::uint64_t(64) << 20;
    lane.xsk.rxRingFull = 7 * q;
    lane.xsk.fillRingEmpty = 1;
    lane.xsk.rxDropped = 1 + q;  // the fill-ring-empty drop is counted here too
    s.lanes.push_back(lane);
  }
  s.hasXdp = true;
  s.xdp.seen = 1000;
  s.xdp.matched = 210;
  s.xdp.redirected = 203;
  s.xdp.passed = 780;
  s.xdp.notAllowed = 6;
  s.xdp.malformed = 3;
  s.xdp.ipFragment = 1;
  s.pipeline.rings = {{1 << 20, 4096, 90, 2, 1}, {1 << 20, 0, 93, 0, 0}};
  SinkReport good{"jsonl", "/a.jsonl", {}, {}};
  good.stats.records = 183;
  good.stats.written = 183;
  SinkReport full{"jsonl", "/full/b.jsonl", {}, {}};
  full.stats.records = 183;
  full.stats.written = 100;
  full.stats.dropped.add(DropReason::NoSpace, 80);
  full.stats.dropped.add(DropReason::OutputFailed, 3);
  full.stats.writeErrors = 5;
  s.pipeline.sinks = {good, full};
  return s;
}

TEST(ReceiverMetrics, SumsLanesAndNamesEveryStageOfLoss) {
  const auto f = ReceiverMetrics::families(attachSnapshot());
  EXPECT_EQ(value(f, "ncxdp_build_info", {{"command", "attach"}}), 1);
  EXPECT_DOUBLE_EQ(value(f, "ncxdp_start_time_seconds"), 1700000000.5);
  EXPECT_EQ(value(f, "ncxdp_received_datagrams_total", {{"path", "af_xdp"}, {"queue", "3"}}), 103);
  EXPECT_EQ(value(f, "ncxdp_received_bytes_total", {{"queue", "0"}}), 5000);
  EXPECT_EQ(value(f, "ncxdp_capture_discarded_total", {{"queue", "3"}, {"reason", "truncated"}}), 3);
  EXPECT_EQ(value(f, "ncxdp_records_total", {{"format", "plain"}}), 20);
  EXPECT_EQ(value(f, "ncxdp_records_total", {{"format", "extended"}}), 163);
  EXPECT_EQ(value(f, "ncxdp_records_dumped_total"), 10);
  EXPECT_EQ(value(f, "ncxdp_messages_lost_total", {{"by", "seq"}}), 4);
  EXPECT_EQ(value(f, "ncxdp_messages_lost_total", {{"by", "msgid"}}), 3);
  EXPECT_EQ(value(f, "ncxdp_gaps_total", {{"by", "seq"}}), 2);
  EXPECT_EQ(value(f, "ncxdp_sources_active"), 8);
  EXPECT_EQ(value(f, "ncxdp_xsk_dropped_frames_total", {{"queue", "3"}, {"reason", "rx_ring_full"}}), 21);
  EXPECT_EQ(value(f, "ncxdp_xsk_dropped_frames_total", {{"queue", "3"}, {"reason", "other"}}), 3);
  EXPECT_EQ(value(f, "ncxdp_xsk_dropped_frames_total", {{"queue", "0"}, {"reason", "other"}}), 0);
  EXPECT_EQ(value(f, "ncxdp_xsk_umem_bytes", {{"queue", "3"}}), 64 << 20);
  EXPECT_EQ(value(f, "ncxdp_ring_used_bytes", {{"ring", "0"}}), 4096);
  EXPECT_EQ(value(f, "ncxdp_ring_dropped_records_total", {{"ring", "0"}, {"reason", "full"}}), 2);
  EXPECT_EQ(value(f, "ncxdp_ring_dropped_records_total", {{"ring", "0"}, {"reason", "oversize"}}), 1);
  // Two outputs of the same kind stay two series.
  EXPECT_EQ(value(f, "ncxdp_sink_write_errors_total", {{"sink", "jsonl"}, {"output", "1"}}), 5);
  EXPECT_EQ(value(f, "ncxdp_sink_write_errors_total", {{"sink", "jsonl"}, {"output", "0"}}), 0);
  // Losses in records, per output and cause; every cause has a series, zeros included.
  EXPECT_EQ(value(f, "ncxdp_sink_written_records_total", {{"sink", "jsonl"}, {"output", "1"}}), 100);
  EXPECT_EQ(value(f, "ncxdp_sink_dropped_records_total", {{"output", "1"}, {"reason", "no_space"}}), 80);
  EXPECT_EQ(value(f, "ncxdp_sink_dropped_records_total", {{"output", "1"}, {"reason", "output_failed"}}), 3);
  EXPECT_EQ(value(f, "ncxdp_sink_dropped_records_total", {{"output", "1"}, {"reason", "broken_pipe"}}), 0);
  EXPECT_EQ(value(f, "ncxdp_sink_dropped_records_total", {{"output", "0"}, {"reason", "no_space"}}), 0);
  EXPECT_EQ(find(f, "ncxdp_sink_dropped_records_total")->metric.size(), 2 * kDropReasons);
}

TEST(ReceiverMetrics, XdpVerdictsAccountForEverySeenPacket) {
  const auto f = ReceiverMetrics::families(attachSnapshot());
  EXPECT_EQ(sum(f, "ncxdp_xdp_packets_total"), value(f, "ncxdp_xdp_seen_packets_total"));
  EXPECT_EQ(value(f, "ncxdp_xdp_packets_total", {{"verdict", "redirect"}}), 203);
  EXPECT_EQ(value(f, "ncxdp_xdp_packets_total", {{"verdict", "pass"}, {"reason", "no_socket"}}), 7);
  EXPECT_EQ(value(f, "ncxdp_xdp_packets_total", {{"verdict", "pass"}, {"reason", "not_allowed"}}), 6);
}

TEST(ReceiverMetrics, ListenHasSocketCountersAndNoXdpFamilies) {
  MetricsSnapshot s;
  s.command = "listen";
  s.path = "socket";
  LaneMetrics lane;
  lane.stats.commandStats<ListenStats>().socketDrops = 12;
  lane.stats.commandStats<ListenStats>().recvErrors = 1;
  s.lanes.push_back(lane);
  const auto f = ReceiverMetrics::families(s);
  EXPECT_EQ(value(f, "ncxdp_socket_dropped_datagrams_total", {{"queue", "0"}}), 12);
  EXPECT_EQ(value(f, "ncxdp_socket_receive_errors_total", {{"queue", "0"}}), 1);
  EXPECT_EQ(find(f, "ncxdp_xdp_packets_total"), nullptr);
  EXPECT_EQ(find(f, "ncxdp_xsk_dropped_frames_total"), nullptr);
  EXPECT_EQ(find(f, "ncxdp_source_records_total"), nullptr);
}

TEST(ReceiverMetrics, PerSourceSeriesOnlyWhenAskedFor) {
  MetricsSnapshot s = attachSnapshot();
  s.sourceLimit = 2;
  Source a, b;
  ASSERT_TRUE(Source::parse("10.0.0.5:6665", a));
  ASSERT_TRUE(Source::parse("[fd00::7]:6666", b));
  SourceStats st;
  st.records = 42;
  st.seqMissing = 3;
  st.lastSeenUs = 1'700'000'000'250'000;
  s.sources = {{a, st}, {b, {}}};
  const auto f = ReceiverMetrics::families(s);
  EXPECT_EQ(value(f, "ncxdp_source_series_limit"), 2);
  EXPECT_EQ(value(f, "ncxdp_source_records_total", {{"source", "10.0.0.5:6665"}}), 42);
  EXPECT_EQ(value(f, "ncxdp_source_messages_lost_total", {{"source", "10.0.0.5:6665"}, {"by", "seq"}}), 3);
  EXPECT_DOUBLE_EQ(value(f, "ncxdp_source_last_seen_timestamp_seconds", {{"source", "10.0.0.5:6665"}}),
                   1700000000.25);
  EXPECT_EQ(value(f, "ncxdp_source_records_total", {{"source", "[fd00::7]:6666"}}), 0);
}

TEST(ReceiverMetrics, FollowsPrometheusNamingAndEveryFamilyHasHelp) {
  MetricsSnapshot s = attachSnapshot();
  s.sourceLimit = 1;
  Source a;
  ASSERT_TRUE(Source::parse("10.0.0.5:6665", a));
  s.sources = {{a, {}}};
  const auto f = ReceiverMetrics::families(s);
  std::set<std::string> names;
  for (const MetricFamily& family : f) {
    EXPECT_TRUE(names.insert(family.name).second) << "duplicate family " << family.name;
    EXPECT_EQ(family.name.rfind("ncxdp_", 0), 0u) << family.name;
    EXPECT_FALSE(family.help.empty()) << family.name;
    EXPECT_FALSE(family.metric.empty()) << family.name;
    const bool total = family.name.size() > 6 && family.name.ends_with("_total");
    EXPECT_EQ(family.type == MetricType::Counter, total) << family.name;
    // No two samples of a family may carry the same label set.
    std::set<std::vector<ClientMetric::Label>> labelSets;
    for (const ClientMetric& m : family.metric) {
      auto sorted = m.label;
      std::sort(sorted.begin(), sorted.end());
      EXPECT_TRUE(labelSets.insert(sorted).second) << "duplicate series in " << family.name;
    }
  }
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, f);
  EXPECT_NE(text.str().find("# TYPE ncxdp_records_total counter\n"), std::string::npos);
  EXPECT_NE(text.str().find("ncxdp_records_total{format=\"extended\"} 163\n"), std::string::npos);
}

}  // namespace
}  // namespace ncxdp

namespace ncxdp {
namespace {

TEST(ReceiverMetrics, RemoteOutputsExportDeliveryBufferAndSpill) {
  MetricsSnapshot s;
  s.command = "listen";
  s.path = "socket";
  s.lanes.push_back(LaneMetrics{});
  SinkReport jsonl;
  jsonl.name = "jsonl";
  jsonl.stats.records = 10;
  SinkReport nats;
  nats.name = "nats";
  nats.stats.records = 10;
  nats.delivery.emplace();
  nats.delivery->connected = true;
  nats.delivery->delivered = 7;
  nats.delivery->spilled = 1;
  nats.delivery->retries = 4;
  nats.delivery->bufferedRecords = 2;
  nats.delivery->bufferedBytes = 900;
  s.pipeline.sinks = {jsonl, nats};
  const auto f = ReceiverMetrics::families(s);
  const std::vector<ClientMetric::Label> at{{"sink", "nats"}, {"output", "1"}};
  EXPECT_EQ(value(f, "ncxdp_sink_delivered_records_total", at), 7);
  EXPECT_EQ(value(f, "ncxdp_sink_spilled_records_total", at), 1);
  EXPECT_EQ(value(f, "ncxdp_sink_retries_total", at), 4);
  EXPECT_EQ(value(f, "ncxdp_sink_buffered_records", at), 2);
  EXPECT_EQ(value(f, "ncxdp_sink_buffered_bytes", at), 900);
  EXPECT_EQ(value(f, "ncxdp_sink_connected", at), 1);
  // Only the remote output has these series; a file output has nothing to acknowledge.
  EXPECT_EQ(find(f, "ncxdp_sink_delivered_records_total")->metric.size(), 1u);

  s.pipeline.sinks = {jsonl};
  EXPECT_EQ(find(ReceiverMetrics::families(s), "ncxdp_sink_delivered_records_total"), nullptr);
}

}  // namespace
}  // namespace ncxdp
