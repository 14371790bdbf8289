// Groups events by Signature into clusters and keeps the fleet-wide picture: hosts seen and
// affected, per-kind counts, releases, first/last seen, and the per-second timeline of hosts'
// first events. Bounded: at most maxHosts senders and maxClusters clusters are tracked (what goes
// beyond is counted, not stored), and a cluster keeps a bounded list of releases and example hosts.
// No IO; events come from the EventDetector, sources from every message read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "decode/Source.h"
#include "triage/Event.h"
#include "triage/Signature.h"
#include "triage/TriageReport.h"

namespace ncxdp {

struct ClusterConfig {
  std::size_t topFrames = Signature::kDefaultFrames;
  std::size_t maxClusters = 65536;
  std::size_t maxHosts = std::size_t(1) << 20;
  std::size_t exampleHosts = 5;
  std::size_t releasesPerCluster = 16;
};

class Clusterer final : public EventHandler {
 public:
  explicit Clusterer(ClusterConfig config = {});

  // A message arrived from this sender: it counts as seen.
  void noteSource(const Source& src);
  void onEvent(const Event& event) override;

  // A sorted snapshot; `top` > 0 lists only that many clusters (clusterCount still counts all).
  TriageReport report(std::size_t top = 0) const;

  std::size_t clusterCount() const { return clusters_.size(); }
  std::uint64_t hostsSeen() const { return hosts_.size(); }
  std::uint64_t hostsAffected() const { return hostsAffected_; }
  std::uint64_t hostsPanicked() const { return hostsPanicked_; }
  std::uint64_t events() const { return events_; }
  const std::array<std::uint64_t, kEventKindCount>& eventsByKind() const { return eventsByKind_; }
  std::uint64_t unclustered() const { return unclustered_; }
  std::uint64_t hostsUntracked() const { return hostsUntracked_; }
  std::uint64_t truncated() const { return truncated_; }
  const ClusterConfig& config() const { return config_; }

 private:
  static constexpr std::uint32_t kNoHost = ~std::uint32_t{0};
  struct Host {
    Source src;
    std::uint64_t firstEventUs = 0;
    bool affected = false;
    bool panicked = false;
    std::uint16_t kinds = 0;  // bit per EventKind
  };
  struct Cluster {
    std::string key;
    std::uint64_t hash = 0;
    EventKind kind = EventKind::Oops;
    std::string cls, reason, message, panicMessage;
    std::vector<std::string> frames;
    std::uint64_t events = 0;
    std::unordered_map<std::uint32_t, bool> hosts;  // host index -> panicked in this cluster
    std::vector<ReleaseCount> releases;
    std::uint64_t otherReleaseEvents = 0;
    std::uint64_t firstUs = 0, lastUs = 0;
    // The earliest hosts (by first event of this cluster), sorted: independent of the order in
    // which inputs are read and reports end.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> examples;
    std::vector<ExplainedEvent> explained;  // see ClusterReport::explained
  };
  // Heterogeneous lookup: find a cluster by the key in a reused buffer without a std::string.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::uint32_t hostOf(const Source& src);
  void noteExample(Cluster& c, std::uint32_t host, std::uint64_t us) const;
  void explain(Cluster& c, const Event& event);
  void addToTimeline(std::uint64_t us, std::int64_t delta);

  ClusterConfig config_;
  std::vector<Host> hosts_;
  std::unordered_map<Source, std::uint32_t, SourceHash> hostIndex_;
  Source lastSource_;
  std::uint32_t lastHost_ = kNoHost;
  std::vector<Cluster> clusters_;
  std::unordered_map<std::string, std::uint32_t, KeyHash, std::equal_to<>> clusterIndex_;
  std::map<std::uint64_t, std::uint64_t> timeline_;  // second -> hosts whose first event it was
  std::array<std::uint64_t, kEventKindCount> eventsByKind_{};
  std::array<std::uint64_t, kEventKindCount> hostsByKind_{};
  std::uint64_t events_ = 0;
  std::uint64_t hostsAffected_ = 0;
  std::uint64_t hostsPanicked_ = 0;
  std::uint64_t unclustered_ = 0;
  std::uint64_t hostsUntracked_ = 0;
  std::uint64_t truncated_ = 0;
  std::string key_;                       // scratch
  std::vector<std::string_view> frames_;  // scratch
};

}  // namespace ncxdp
