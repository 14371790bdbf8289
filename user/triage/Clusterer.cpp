#include "triage/Clusterer.h"

#include <algorithm>

namespace ncxdp {

Clusterer::Clusterer(ClusterConfig config) : config_(config) {
  key_.reserve(512);
  frames_.reserve(16);
}

std::uint32_t Clusterer::hostOf(const Source& src) {
  // Records come in runs from one sender: skip the hash lookup for the common case.
  if (lastHost_ != kNoHost && src == lastSource_) return lastHost_;
  std::uint32_t index = kNoHost;
  if (auto it = hostIndex_.find(src); it != hostIndex_.end()) {
    index = it->second;
  } else if (hosts_.size() < config_.maxHosts) {
    index = static_cast<std::uint32_t>(hosts_.size());
    hosts_.push_back({src});
    hostIndex_.emplace(src, index);
  } else {
    ++hostsUntracked_;
    return kNoHost;
  }
  lastSource_ = src;
  lastHost_ = index;
  return index;
}

void Clusterer::noteSource(const Source& src) {
  hostOf(src);
}

void Clusterer::addToTimeline(std::uint64_t us, std::int64_t delta) {
  auto& n = timeline_[us / 1'000'000];
  n = static_cast<std::uint64_t>(static_cast<std::int64_t>(n) + delta);
  if (n == 0) timeline_.erase(us / 1'000'000);
}

void Clusterer::noteExample(Cluster& c, std::uint32_t host, std::uint64_t us) const {
  auto& ex = c.examples;
  const auto same = std::find_if(ex.begin(), ex.end(), [&](const auto& e) { return e.second == host; });
  if (same != ex.end()) {
    if (us >= same->first) return;
    ex.erase(same);
  } else if (ex.size() >= config_.exampleHosts) {
    if (ex.empty() || std::make_pair(us, host) >= ex.back()) return;
    ex.pop_back();
  }
  ex.insert(std::upper_bound(ex.begin(), ex.end(), std::make_pair(us, host)), {us, host});
}

void Clusterer::onEvent(const Event& event) {
  ++events_;
  const auto kindIndex = static_cast<std::size_t>(event.kind);
  ++eventsByKind_[kindIndex];
  if (event.truncated) ++truncated_;

  const std::uint32_t hostIndex = hostOf(event.src);
  if (hostIndex != kNoHost) {
    Host& host = hosts_[hostIndex];
    if (!host.affected) {
      host.affected = true;
      host.firstEventUs = event.firstUs;
      ++hostsAffected_;
      addToTimeline(event.firstUs, +1);
    } else if (event.firstUs < host.firstEventUs) {
      // Inputs read one after another need not be in time order.
      addToTimeline(host.firstEventUs, -1);
      host.firstEventUs = event.firstUs;
      addToTimeline(event.firstUs, +1);
    }
    if (event.panicked && !host.panicked) {
      host.panicked = true;
      ++hostsPanicked_;
    }
    const auto bit = static_cast<std::uint16_t>(1u << kindIndex);
    if ((host.kinds & bit) == 0) {
      host.kinds |= bit;
      ++hostsByKind_[kindIndex];
    }
  }

  Signature::build(event, config_.topFrames, key_, frames_);
  std::uint32_t index = 0;
  if (auto it = clusterIndex_.find(std::string_view(key_)); it != clusterIndex_.end()) {
    index = it->second;
  } else {
    if (clusters_.size() >= config_.maxClusters) {
      ++unclustered_;
      return;
    }
    index = static_cast<std::uint32_t>(clusters_.size());
    Cluster& c = clusters_.emplace_back();
    c.key = key_;
    c.hash = Signature::hash(key_);
    c.kind = event.kind;
    c.cls = event.cls;
    c.reason = event.reason;
    c.message = event.message;
    c.frames.assign(frames_.begin(), frames_.end());
    c.firstUs = c.lastUs = event.firstUs;
    clusterIndex_.emplace(c.key, index);
  }
  Cluster& c = clusters_[index];
  explain(c, event);
  ++c.events;
  c.firstUs = std::min(c.firstUs, event.firstUs);
  c.lastUs = std::max(c.lastUs, event.firstUs);
  if (event.panicked && c.panicMessage.empty()) c.panicMessage = event.panicMessage;
  if (hostIndex != kNoHost) {
    auto [it, added] = c.hosts.try_emplace(hostIndex, event.panicked);
    if (!added) it->second = it->second || event.panicked;
    noteExample(c, hostIndex, event.firstUs);
  }
  auto rel = std::find_if(c.releases.begin(), c.releases.end(),
                          [&](const ReleaseCount& r) { return r.release == event.release; });
  if (rel != c.releases.end())
    ++rel->events;
  else if (c.releases.size() < config_.releasesPerCluster)
    c.releases.push_back({event.release, 1});
  else
    ++c.otherReleaseEvents;
}

// The earliest event of each release is explained, for the earliest kExplainedEvents releases.
// Earliest, not first read: a dir: folder and a pcap of the same storm give the same report. In
// time order a storm of one bug builds its notes a handful of times, not once per host.
void Clusterer::explain(Cluster& c, const Event& event) {
  std::string host;  // only built when needed: most events of a storm return at the first test
  auto hostName = [&]() -> const std::string& {
    if (host.empty()) host = event.src.toString();
    return host;
  };
  auto earlier = [&](const ExplainedEvent& e) {
    return event.firstUs != e.firstUs ? event.firstUs < e.firstUs : hostName() < e.host;
  };
  ExplainedEvent* slot = nullptr;
  for (ExplainedEvent& e : c.explained)
    if (e.release == event.release) {
      if (!earlier(e)) return;
      slot = &e;
    }
  if (slot == nullptr) {
    if (c.explained.size() < ClusterReport::kExplainedEvents) {
      slot = &c.explained.emplace_back();
    } else {
      slot = &*std::max_element(c.explained.begin(), c.explained.end(),
                                [](const ExplainedEvent& a, const ExplainedEvent& b) {
                                  return a.firstUs != b.firstUs ? a.firstUs < b.firstUs : a.host < b.host;
                                });
      if (!earlier(*slot)) return;
    }
  }
  slot->firstUs = event.firstUs;
  slot->host = hostName();
  slot->release = event.release;
  Signature::build(event, config_.topFrames, key_, frames_, &slot->notes);
  std::sort(c.explained.begin(), c.explained.end(), [](const ExplainedEvent& a, const ExplainedEvent& b) {
    return a.firstUs != b.firstUs ? a.firstUs < b.firstUs : a.host < b.host;
  });
}

TriageReport Clusterer::report(std::size_t top) const {
  TriageReport r;
  r.hostsSeen = hosts_.size() + hostsUntracked_;
  r.hostsAffected = hostsAffected_;
  r.hostsPanicked = hostsPanicked_;
  r.events = events_;
  r.eventsByKind = eventsByKind_;
  r.hostsByKind = hostsByKind_;
  r.clusterCount = clusters_.size();
  r.unclustered = unclustered_;
  r.hostsUntracked = hostsUntracked_;
  r.truncated = truncated_;
  r.topFrames = config_.topFrames;

  std::vector<const Cluster*> order;
  order.reserve(clusters_.size());
  for (const Cluster& c : clusters_) order.push_back(&c);
  std::sort(order.begin(), order.end(), [](const Cluster* a, const Cluster* b) {
    if (a->hosts.size() != b->hosts.size()) return a->hosts.size() > b->hosts.size();
    if (a->events != b->events) return a->events > b->events;
    if (a->firstUs != b->firstUs) return a->firstUs < b->firstUs;
    return a->key < b->key;
  });
  if (top != 0 && order.size() > top) order.resize(top);
  for (const Cluster* c : order) {
    ClusterReport& out = r.clusters.emplace_back();
    out.id = Signature::id(c->hash);
    out.signature = c->key;
    out.kind = c->kind;
    out.cls = c->cls;
    out.reason = c->reason;
    out.message = c->message;
    out.panicMessage = c->panicMessage;
    out.frames = c->frames;
    out.events = c->events;
    out.hosts = c->hosts.size();
    for (const auto& [host, panicked] : c->hosts) out.hostsPanicked += panicked ? 1 : 0;
    out.releases = c->releases;
    std::stable_sort(out.releases.begin(), out.releases.end(),
                     [](const ReleaseCount& a, const ReleaseCount& b) { return a.events > b.events; });
    out.otherReleaseEvents = c->otherReleaseEvents;
    out.firstUs = c->firstUs;
    out.lastUs = c->lastUs;
    for (const auto& [us, h] : c->examples) out.exampleHosts.push_back(hosts_[h].src.toString());
    out.explained = c->explained;
  }
  for (const Cluster& c : clusters_) {
    if (r.firstEventUs == 0 || c.firstUs < r.firstEventUs) r.firstEventUs = c.firstUs;
    r.lastEventUs = std::max(r.lastEventUs, c.lastUs);
  }
  std::uint64_t cumulative = 0;
  for (const auto& [second, hosts] : timeline_) {
    cumulative += hosts;
    r.timeline.push_back({second, hosts, cumulative});
  }
  return r;
}

}  // namespace ncxdp
