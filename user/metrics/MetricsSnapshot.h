// Everything one scrape reports, gathered from the capture lanes, the kernel and the pipeline into
// plain values first, so that turning it into metric families is a pure function that tests can
// feed directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/Capture.h"
#include "capture/LiveCapture.h"
#include "capture/XdpProgram.h"
#include "capture/XskSocket.h"
#include "pipeline/Pipeline.h"
#include "ring/BurstBuffer.h"
#include "triage/TriageSink.h"

namespace ncxdp {

struct LaneMetrics {
  std::uint32_t queue = 0;  // RX queue (attach) or receive thread (listen)
  CaptureStats stats;       // this lane's capture and decoder counters
  bool hasSocketStats = false;
  XskStats xsk;                 // the lane's AF_XDP socket, from the kernel (attach only)
  std::uint64_t umemBytes = 0;  // the socket's packet memory (attach only)
  bool hasBurstBuffer = false;
  BurstBufferStats burst;  // the queue's burst buffer (attach only)
};

struct MetricsSnapshot {
  std::string command;  // "attach" or "listen"
  std::string path;     // "af_xdp" or "socket": how datagrams reached ncxdp
  std::vector<LaneMetrics> lanes;
  bool hasXdp = false;
  XdpCounters xdp;  // the XDP program's counters, summed over CPUs
  PipelineStats pipeline;
  // Opt-in per-source series: the busiest senders over all lanes, at most sourceLimit of them.
  std::size_t sourceLimit = 0;
  std::vector<SourceSample> sources;
  double startTimeSeconds = 0;  // process start, Unix time
  // --triage: the clustering's counters.
  bool hasTriage = false;
  TriageLiveStats triage;
};

}  // namespace ncxdp
