#include "triage/JsonReport.h"

#include <nlohmann/json.hpp>

#include "sink/UtcTimestamp.h"

namespace ncxdp {

namespace {

std::string rfc3339(std::uint64_t us) {
  std::string out;
  UtcTimestamp ts;
  ts.appendRfc3339(us, out);
  return out;
}

// nlohmann keeps insertion order only with ordered_json: the field order is documented.
using Json = nlohmann::ordered_json;

Json kindCounts(const std::array<std::uint64_t, kEventKindCount>& counts) {
  Json j = Json::object();
  for (EventKind kind : kAllEventKinds)
    j[std::string(kindName(kind))] = counts[static_cast<std::size_t>(kind)];
  return j;
}

}  // namespace

std::string JsonReport::render(const TriageReport& r) {
  Json j;
  j["records"] = r.records;
  j["lines"] = r.lines;
  j["hosts"] = {{"seen", r.hostsSeen}, {"affected", r.hostsAffected}, {"panicked", r.hostsPanicked}};
  j["hosts_by_kind"] = kindCounts(r.hostsByKind);
  j["events"] = r.events;
  j["events_by_kind"] = kindCounts(r.eventsByKind);
  j["first_event"] = r.events != 0 ? Json(rfc3339(r.firstEventUs)) : Json(nullptr);
  j["last_event"] = r.events != 0 ? Json(rfc3339(r.lastEventUs)) : Json(nullptr);
  j["signature_frames"] = r.topFrames;
  j["clusters_total"] = r.clusterCount;
  Json clusters = Json::array();
  for (const ClusterReport& c : r.clusters) {
    Json cj;
    cj["id"] = c.id;
    cj["kind"] = std::string(kindName(c.kind));
    cj["class"] = c.cls;
    cj["hosts"] = c.hosts;
    cj["hosts_panicked"] = c.hostsPanicked;
    cj["events"] = c.events;
    cj["reason"] = c.reason;
    cj["message"] = c.message.empty() ? Json(nullptr) : Json(c.message);
    cj["panic"] = c.panicMessage.empty() ? Json(nullptr) : Json(c.panicMessage);
    cj["frames"] = c.frames;
    Json releases = Json::array();
    for (const ReleaseCount& rel : c.releases)
      releases.push_back(
          {{"release", rel.release.empty() ? Json(nullptr) : Json(rel.release)}, {"events", rel.events}});
    cj["releases"] = releases;
    cj["other_release_events"] = c.otherReleaseEvents;
    cj["first_seen"] = rfc3339(c.firstUs);
    cj["last_seen"] = rfc3339(c.lastUs);
    cj["example_hosts"] = c.exampleHosts;
    cj["signature"] = c.signature;
    Json explained = Json::array();
    for (const ExplainedEvent& e : c.explained) {
      Json frames = Json::array();
      for (const FrameNote& n : e.notes)
        frames.push_back({{"frame", n.frame},
                          {"used", n.why.empty()},
                          {"why", n.why.empty() ? Json(nullptr) : Json(n.why)}});
      explained.push_back({{"host", e.host},
                           {"release", e.release.empty() ? Json(nullptr) : Json(e.release)},
                           {"frames", std::move(frames)}});
    }
    cj["explained"] = std::move(explained);
    clusters.push_back(std::move(cj));
  }
  j["clusters"] = std::move(clusters);
  Json timeline = Json::array();
  for (const TimelinePoint& p : r.timeline)
    timeline.push_back({{"time", rfc3339(p.second * 1'000'000).substr(0, 19) + "Z"},
                        {"unix", p.second},
                        {"hosts", p.hosts},
                        {"cumulative", p.cumulative}});
  j["timeline"] = std::move(timeline);
  j["bounds"] = {{"duplicates", r.duplicates},
                 {"truncated", r.truncated},
                 {"unclustered", r.unclustered},
                 {"hosts_untracked", r.hostsUntracked},
                 {"sources_evicted", r.sourcesEvicted}};
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace ncxdp
