// The record of a storm: how it was generated (so the checker can rebuild the expected records)
// and exactly what left per host: datagrams, records, seq and msgid ranges and a digest of the
// records. One JSON object, written at the end of a run (also after Ctrl-C).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "storm/FrameSender.h"
#include "storm/TrafficModel.h"
#include "storm/Workload.h"

namespace ncxdp::storm {

// Everything that decides the bytes sent: the same StormConfig gives the same traffic.
struct StormConfig {
  FleetConfig fleet;
  bool flat = false;          // flat rate traffic instead of a scenario
  std::size_t payload = 100;  // flat: UDP payload bytes
  TrafficConfig traffic;      // scenario
};

// Builds the workload a config describes. Throws std::invalid_argument for a bad config.
std::unique_ptr<Workload> makeWorkload(const StormConfig& config);

struct HostLedger {
  std::uint64_t datagrams = 0;
  std::uint64_t records = 0;
  std::uint64_t frameBytes = 0;  // whole Ethernet frames
};

struct SendSummary {
  std::string sender;  // af_xdp or af_packet
  std::string stop;    // why sending ended: complete, count, duration, signal
  double targetPps = 0;
  double elapsedS = 0;
  std::uint64_t frames = 0;
  std::uint64_t frameBytes = 0;
  std::uint64_t lostNs = 0;     // time behind the target rate
  std::uint64_t undrained = 0;  // frames the kernel had not completed at exit
  SenderStats senderStats;
};

struct ManifestHost {
  std::string src;
  std::uint64_t datagrams = 0;
  std::uint64_t records = 0;
  std::uint64_t withheld = 0;
};

struct ManifestData {
  StormConfig config;
  std::vector<ManifestHost> hosts;
  std::uint64_t records = 0;
  std::uint64_t datagrams = 0;
};

// Writes the manifest to path (atomically: a temporary file renamed into place). Throws
// std::runtime_error naming the path.
void writeManifest(const std::string& path, const StormConfig& config, const Workload& workload,
                   const std::vector<HostLedger>& ledger, const SendSummary& summary);
// Reads what writeManifest wrote. Throws std::runtime_error naming the path and the problem.
ManifestData readManifest(const std::string& path);

}  // namespace ncxdp::storm
