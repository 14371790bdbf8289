// The Prometheus view of a running receiver (`attach` or `listen`). Hot paths never touch it: the
// capture threads count in their own plain counters and publish them at every tick, the kernel
// keeps its own, and a scrape (Collect) reads all of those and sums them. Nothing here is
// registered as a prometheus::Counter, so a scrape costs nothing between scrapes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "metrics/MetricsSnapshot.h"

namespace ncxdp {

class LiveCapture;
class Pipeline;
class TriageSink;
class XskCapture;

class ReceiverMetrics : public prometheus::Collectable {
 public:
  // command: "attach" or "listen". sourceSeries: how many per-source series at most (0: none);
  // the capture must have been told with publishSources() before it started.
  ReceiverMetrics(const LiveCapture& capture, const Pipeline& pipeline, std::string command,
                  std::size_t sourceSeries);

  // --triage: export its counters too. Call before the endpoint serves; the sink outlives this.
  void setTriage(const TriageSink* triage) { triage_ = triage; }

  // Any thread (the exporter's HTTP threads, the main thread writing the textfile).
  std::vector<prometheus::MetricFamily> Collect() const override;
  MetricsSnapshot snapshot() const;

  // The families for one snapshot: names, HELP, types and labels follow Prometheus conventions
  // (ncxdp_ prefix, units in names, _total counters).
  static std::vector<prometheus::MetricFamily> families(const MetricsSnapshot& snapshot);

 private:
  const LiveCapture& capture_;
  const XskCapture* xsk_;  // null for listen
  const Pipeline& pipeline_;
  std::string command_;
  std::size_t sourceSeries_;
  double startTimeSeconds_;
  const TriageSink* triage_ = nullptr;
};

}  // namespace ncxdp
