// The send loop: frames from a Workload into a FrameSender, paced by a RateLimiter, bounded by a
// count and a duration, with a progress line each second. Stops only on a message boundary, so a
// message is either wholly sent or not at all, and counts per host what left for the manifest.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "storm/FrameSender.h"
#include "storm/Manifest.h"
#include "storm/Workload.h"

namespace ncxdp::storm {

struct RunConfig {
  double pps = 0;            // 0: as fast as the kernel takes them
  std::uint64_t count = 0;   // datagrams at most; 0: the whole workload (flat: no count bound)
  double durationS = 30;     // seconds at most, always bounded
  std::uint32_t batch = 64;  // frames per send call
  bool progress = true;      // one line per second on stderr
};

class StormRunner {
 public:
  StormRunner(Workload& workload, FrameSender& sender, const RunConfig& config);

  // Sends until the workload ends, a bound is reached or `stop` becomes true. Throws
  // std::runtime_error when the sender fails.
  SendSummary run(const std::atomic<bool>& stop);
  const std::vector<HostLedger>& ledger() const { return ledger_; }

 private:
  void progress(double elapsedS, bool last);

  Workload& workload_;
  FrameSender& sender_;
  RunConfig config_;
  std::vector<HostLedger> ledger_;
  std::uint64_t frames_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t frameBytes_ = 0;
  std::uint64_t lastFrames_ = 0;
  double lastProgressS_ = 0;
};

}  // namespace ncxdp::storm
