#include "triage/TriageSink.h"

namespace ncxdp {

void TriageSink::write(const Record& record) {
  ++stats_.records;
  triage_.onRecord(record);
  ++stats_.written;  // analysed: nothing of a record is ever lost here
}

void TriageSink::close() {
  triage_.finish();
  publish();
}

// Relaxed: each counter is only ever written by the sink thread, and a reader wants recent values,
// not a consistent cut across them.
void TriageSink::publish() {
  const Clusterer& c = triage_.clusters();
  records_.store(triage_.records(), std::memory_order_relaxed);
  events_.store(c.events(), std::memory_order_relaxed);
  for (std::size_t i = 0; i < kEventKindCount; ++i)
    byKind_[i].store(c.eventsByKind()[i], std::memory_order_relaxed);
  clusters_.store(c.clusterCount(), std::memory_order_relaxed);
  hostsSeen_.store(c.hostsSeen() + c.hostsUntracked(), std::memory_order_relaxed);
  hostsAffected_.store(c.hostsAffected(), std::memory_order_relaxed);
  hostsPanicked_.store(c.hostsPanicked(), std::memory_order_relaxed);
  open_.store(triage_.detector().openEvents(), std::memory_order_relaxed);
  duplicates_.store(triage_.detector().stats().duplicates, std::memory_order_relaxed);
  truncated_.store(c.truncated(), std::memory_order_relaxed);
}

TriageLiveStats TriageSink::liveStats() const {
  TriageLiveStats s;
  s.records = records_.load(std::memory_order_relaxed);
  s.events = events_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < kEventKindCount; ++i)
    s.eventsByKind[i] = byKind_[i].load(std::memory_order_relaxed);
  s.clusters = clusters_.load(std::memory_order_relaxed);
  s.hostsSeen = hostsSeen_.load(std::memory_order_relaxed);
  s.hostsAffected = hostsAffected_.load(std::memory_order_relaxed);
  s.hostsPanicked = hostsPanicked_.load(std::memory_order_relaxed);
  s.openEvents = open_.load(std::memory_order_relaxed);
  s.duplicates = duplicates_.load(std::memory_order_relaxed);
  s.truncated = truncated_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace ncxdp
