// What `ncxdp triage` reports: a snapshot of the clustering, sorted and ready to print. Plain data;
// TextReport, JsonReport and HtmlReport render it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "triage/EventKind.h"
#include "triage/Signature.h"

namespace ncxdp {

struct ReleaseCount {
  std::string release;  // "" when no line of the event named one
  std::uint64_t events = 0;
};

// One event of a cluster with every frame its signature looked at: which were used, and why the
// others were skipped (`--explain`, the "skipped" lines of the reports).
struct ExplainedEvent {
  std::uint64_t firstUs = 0;
  std::string host;
  std::string release;  // "" when no line of the event named one
  std::vector<FrameNote> notes;
};

struct ClusterReport {
  std::string id;         // first 12 hex digits of the signature hash
  std::string signature;  // the full key
  EventKind kind = EventKind::Oops;
  std::string cls;                  // reason class
  std::string reason;               // the first event's report line
  std::string message;              // the first event's WARN message / hung or killed task / MCE bank
  std::string panicMessage;         // the first panic among its events, if any
  std::vector<std::string> frames;  // the signature's frames
  std::uint64_t events = 0;
  std::uint64_t hosts = 0;
  std::uint64_t hostsPanicked = 0;
  std::vector<ReleaseCount> releases;    // most events first
  std::uint64_t otherReleaseEvents = 0;  // events whose release did not fit the per-cluster list
  std::uint64_t firstUs = 0;
  std::uint64_t lastUs = 0;
  std::vector<std::string> exampleHosts;  // the first hosts seen with it, in order
  // The earliest event of each release, earliest first, for the kExplainedEvents earliest
  // releases: why events from different kernels share the cluster.
  std::vector<ExplainedEvent> explained;
  static constexpr std::size_t kExplainedEvents = 3;
};

struct TimelinePoint {
  std::uint64_t second = 0;  // Unix time
  std::uint64_t hosts = 0;   // hosts whose first event fell in this second
  std::uint64_t cumulative = 0;
};

struct TriageReport {
  std::uint64_t records = 0;  // messages read
  std::uint64_t lines = 0;
  std::uint64_t hostsSeen = 0;      // senders (address and port) with at least one message
  std::uint64_t hostsAffected = 0;  // with at least one event
  std::uint64_t hostsPanicked = 0;  // with a panic (their own, or an event that panicked)
  std::uint64_t events = 0;
  std::array<std::uint64_t, kEventKindCount> eventsByKind{};
  std::array<std::uint64_t, kEventKindCount> hostsByKind{};
  std::uint64_t clusterCount = 0;       // all clusters (the list below may be cut by --top)
  std::vector<ClusterReport> clusters;  // most hosts first, then most events, then earliest
  std::vector<TimelinePoint> timeline;  // seconds with first events only, in order
  std::uint64_t firstEventUs = 0;
  std::uint64_t lastEventUs = 0;
  std::size_t topFrames = 0;
  // Bounds at work: none of these is an error, each says what the numbers above leave out.
  std::uint64_t duplicates = 0;      // replayed copies of reports, not counted
  std::uint64_t truncated = 0;       // events closed early by a cap (still counted)
  std::uint64_t unclustered = 0;     // events beyond the cluster cap (counted by kind only)
  std::uint64_t hostsUntracked = 0;  // senders beyond the host cap
  std::uint64_t sourcesEvicted = 0;  // report state dropped for newer senders
};

}  // namespace ncxdp
