// The triage engine: decoded records in, clustered kernel reports out. Splits each message into
// lines, hands them to the EventDetector, and the events it finishes to the Clusterer. No IO and no
// clock: time is each record's arrival time, so offline input (files, captures) and live capture
// behave the same. Used by `ncxdp triage` on files and by `--triage` on the sink thread.
#pragma once

#include <cstdint>

#include "decode/Record.h"
#include "triage/Clusterer.h"
#include "triage/EventDetector.h"
#include "triage/TriageReport.h"

namespace ncxdp {

struct TriageConfig {
  DetectorConfig detector;
  ClusterConfig cluster;
};

class Triage final : public RecordHandler {
 public:
  explicit Triage(TriageConfig config = {});

  void onRecord(const Record& record) override;
  // Closes reports whose sender went silent before nowUs (live capture calls this as time passes).
  void expire(std::uint64_t nowUs);
  // Closes every open report: end of input or shutdown.
  void finish();

  // Snapshot for the report; `top` > 0 lists only that many clusters.
  TriageReport report(std::size_t top = 0) const;

  const Clusterer& clusters() const { return clusterer_; }
  const EventDetector& detector() const { return detector_; }
  std::uint64_t records() const { return records_; }

 private:
  EventDetector detector_;
  Clusterer clusterer_;
  std::uint64_t records_ = 0;
  std::uint64_t lastExpireUs_ = 0;
};

}  // namespace ncxdp
