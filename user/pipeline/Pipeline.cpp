#include "pipeline/Pipeline.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "pipeline/SinkPriority.h"
#include "ring/Cadence.h"
#include "ring/RecordCodec.h"
#include "util/ThreadName.h"

namespace ncxdp {

namespace {

// Records taken from one ring before moving to the next: keeps one busy capture thread from
// starving the others' rings.
constexpr std::size_t kBatch = 256;
// While records keep flowing, sinks are flushed at least this often so `tail -f` stays live.
constexpr auto kFlushInterval = std::chrono::milliseconds(100);
// Backstop for the sleep handshake, and the longest a SIGHUP waits on an idle pipeline.
constexpr auto kIdleWait = std::chrono::milliseconds(100);
// Outputs to a server change state with no record passing (connection lost, backlog sent): while
// idle, their counters are refreshed this often, so /metrics never shows a stale connection.
constexpr auto kIdleRefresh = std::chrono::milliseconds(1000);

}  // namespace

Pipeline::Pipeline(std::size_t producers, std::size_t ringBytesTotal,
                   std::vector<std::unique_ptr<Sink>> sinks)
    : sinks_(std::move(sinks)) {
  if (producers == 0) throw std::runtime_error("pipeline: need at least one capture thread");
  if (sinks_.empty()) throw std::runtime_error("pipeline: need at least one output");
  const std::size_t share = ringBytesTotal / producers;
  if (share < kMinRingBytes)
    throw std::runtime_error("ring size " + std::to_string(ringBytesTotal) + " bytes is too small for " +
                             std::to_string(producers) + " thread(s): need at least " +
                             std::to_string(kMinRingBytes >> 10) + " KiB per thread");
  if (share > kMaxRingBytes)
    throw std::runtime_error("ring size " + std::to_string(ringBytesTotal) + " bytes is too large for " +
                             std::to_string(producers) + " thread(s): at most " +
                             std::to_string(kMaxRingBytes >> 20) + " MiB per thread");
  const std::size_t perRing = std::bit_floor(share);
  rings_.reserve(producers);
  for (std::size_t i = 0; i < producers; ++i) {
    rings_.push_back(std::make_unique<Lane>(perRing));
    // Committed now, not page by page in the decoder's hot path during the first burst (a
    // fault per 4 KiB, and on a VM an exit to the hypervisor each): a storm is when the ring
    // first fills, and when memory may be short.
    rings_.back()->ring.prefault();
  }
  dictScratch_.reserve(64);
  missingScratch_.reserve(64);
  for (const auto& sink : sinks_) {
    const DeliveryStats* delivery = sink->delivery();
    publishedSinks_.push_back({std::string(sink->name()), sink->target(), sink->stats(),
                               delivery != nullptr ? std::optional(*delivery) : std::nullopt});
  }
  discarded_.assign(sinks_.size(), 0);
}

Pipeline::~Pipeline() {
  if (!thread_.joinable()) return;
  for (std::size_t i = 0; i < rings_.size(); ++i) producerDone(i);
  thread_.join();
}

void Pipeline::start() {
  thread_ = std::thread([this] { run(); });
}

void Pipeline::notify() {
  doorbell_.ring();
}

void Pipeline::producerDone(std::size_t i) {
  // Idempotent, so the destructor's error path can mark every lane without double counting.
  if (rings_[i]->done.exchange(true, std::memory_order_acq_rel)) return;
  doneCount_.fetch_add(1, std::memory_order_release);
  notify();
}

void Pipeline::requestReopen() {
  reopen_.store(true, std::memory_order_release);
  notify();
}

void Pipeline::finish() {
  if (thread_.joinable()) thread_.join();
}

PipelineStats Pipeline::stats() const {
  PipelineStats out;
  for (const auto& lane : rings_)
    out.rings.push_back({lane->ring.capacity(), lane->ring.usedBytes(), lane->writer.written(),
                         lane->writer.drops(), lane->writer.oversize()});
  std::lock_guard lock(publishMu_);
  out.sinks = publishedSinks_;
  out.corrupt = publishedCorrupt_;
  out.sinkFailed = publishedSinkFailed_;
  return out;
}

void Pipeline::publishSinkStats() {
  std::lock_guard lock(publishMu_);
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    publishedSinks_[i].stats = sinks_[i]->stats();
    publishedSinks_[i].stats.dropped.add(DropReason::OutputFailed, discarded_[i]);
    if (const DeliveryStats* d = sinks_[i]->delivery()) publishedSinks_[i].delivery = *d;
  }
  publishedCorrupt_ = corrupt_;
  publishedSinkFailed_ = sinkFailed_;
}

bool Pipeline::anyWork() const {
  if (reopen_.load(std::memory_order_acquire)) return true;
  if (doneCount_.load(std::memory_order_acquire) == rings_.size()) return true;
  for (const auto& lane : rings_)
    if (!lane->ring.empty()) return true;
  return false;
}

void Pipeline::sleepUntilWork() {
  doorbell_.wait(kIdleWait, [this] { return anyWork(); });
}

std::size_t Pipeline::drain(SpscRing& ring, std::size_t limit) {
  std::size_t n = 0;
  Record record;
  for (; n < limit; ++n) {
    std::span<const std::uint8_t> bytes = ring.front();
    if (bytes.empty()) break;
    if (!decodeRecord(bytes, record, dictScratch_, missingScratch_)) {
      ++corrupt_;
    } else if (!sinkFailed_) {
      std::size_t i = 0;
      try {
        for (; i < sinks_.size(); ++i) sinks_[i]->write(record);
      } catch (const std::exception& e) {
        // Sinks report IO errors through their stats; an exception is a bug or out of memory.
        // Keep draining so producers waiting on a full ring can finish.
        std::fprintf(stderr, "ncxdp: output failed, discarding further records: %s\n", e.what());
        sinkFailed_ = true;
        for (; i < sinks_.size(); ++i) ++discarded_[i];
      }
    } else {
      for (std::uint64_t& n : discarded_) ++n;
    }
    ring.pop();
  }
  return n;
}

void Pipeline::flushSinks() {
  if (!sinkFailed_) {
    try {
      for (auto& sink : sinks_) sink->flush();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ncxdp: output failed, discarding further records: %s\n", e.what());
      sinkFailed_ = true;
    }
  }
  publishSinkStats();
}

double Pipeline::fullestRing() const {
  double fullest = 0;
  for (const auto& lane : rings_)
    fullest = std::max(fullest, double(lane->ring.usedBytes()) / double(lane->ring.capacity()));
  return fullest;
}

void Pipeline::run() {
  nameThisThread("ncxdp-sink");
  SinkPriority priority;
  // While records flow, nap between batches so that producers need not wake this thread
  // (ring/Cadence.h); each nap ends with one flush, one write per interval.
  Cadence cadence;
  auto lastFlush = std::chrono::steady_clock::now();
  bool dirty = false;
  for (;;) {
    if (reopen_.exchange(false, std::memory_order_acq_rel) && !sinkFailed_)
      for (auto& sink : sinks_) sink->reopen();
    // Read before draining: every record a producer pushed before declaring itself done is
    // then guaranteed to be seen by the drain below.
    const bool allDone = doneCount_.load(std::memory_order_acquire) == rings_.size();
    std::size_t moved = 0;
    for (auto& lane : rings_) moved += drain(lane->ring, kBatch);
    priority.update(fullestRing());
    if (moved != 0) dirty = true;
    const auto now = std::chrono::steady_clock::now();
    // Flush when caught up (the end of a burst) or periodically under sustained load: one
    // write syscall per burst instead of per record.
    if (dirty && (moved == 0 || now - lastFlush >= kFlushInterval)) {
      flushSinks();
      dirty = false;
      lastFlush = now;
    } else if (moved == 0 && now - lastFlush >= kIdleRefresh) {
      flushSinks();
      lastFlush = now;
    }
    if (moved != 0) {
      // With a backlog, the capture and decoder threads on this core get their turn first.
      cadence.worked(anyWork());
      continue;
    }
    if (allDone) break;
    if (!cadence.nap()) sleepUntilWork();
  }
  if (!sinkFailed_) {
    try {
      for (auto& sink : sinks_) sink->close();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ncxdp: closing output failed: %s\n", e.what());
      sinkFailed_ = true;
    }
  }
  publishSinkStats();
  drained_.store(true, std::memory_order_release);
}

}  // namespace ncxdp
