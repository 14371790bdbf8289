// The default `ncxdp triage` output: for a person at a terminal after a storm. A summary (hosts
// seen/affected/panicked, events by kind), a ranked table of clusters, one block per cluster (kind,
// reason, top frames, releases, first/last seen, example hosts) and the timeline of first events.
// Everything that came off the wire is escaped as the text sink escapes it.
#pragma once

#include <cstddef>
#include <string>

#include "triage/TriageReport.h"

namespace ncxdp {

struct TextReportOptions {
  std::size_t timelineRows = 60;  // seconds listed; more are summarised in one line
};

class TextReport {
 public:
  static std::string render(const TriageReport& report, const TextReportOptions& options = {});
  // `ncxdp triage --explain ID`: the cluster's signature and, for its first event and the first of
  // each other release, every frame looked at: used, or skipped and why.
  static std::string explain(const ClusterReport& cluster, std::size_t topFrames);
};

}  // namespace ncxdp
