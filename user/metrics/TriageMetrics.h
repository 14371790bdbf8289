// The metric families of `--triage`: kernel reports found by kind, clusters, and hosts seen,
// affected and panicked. A pure function of the TriageSink's published counters, appended to the
// receiver's families on every scrape (and in the textfile); no per-cluster or per-host series,
// so a storm cannot grow the metrics.
#pragma once

#include <vector>

#include <prometheus/metric_family.h>

#include "triage/TriageSink.h"

namespace ncxdp {

class TriageMetrics {
 public:
  static std::vector<prometheus::MetricFamily> families(const TriageLiveStats& stats);
};

}  // namespace ncxdp
