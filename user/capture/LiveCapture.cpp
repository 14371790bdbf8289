#include "capture/LiveCapture.h"

#include <algorithm>
#include <ctime>
#include <exception>
#include <stdexcept>

#include "decode/DecoderBudget.h"
#include "pipeline/Pipeline.h"
#include "util/ThreadName.h"

namespace ncxdp {

namespace {

constexpr std::uint64_t kTickUs = 100'000;
// After a tick that left idle state for later because the ring was half full (the decoder's
// flushPaced), the next comes this soon: the outputs usually drain half a ring in far less than a
// tick, and many senders going quiet at once should not take seconds to come out.
constexpr std::uint64_t kPacedRetryUs = 2'000;
// Per-source samples are published every this many ticks: ranking every sender costs more than
// copying a lane's totals, and a second is finer than any scrape interval.
constexpr int kTicksPerSourcePublish = 10;
// Shutdown reads what was already accepted, bounded in case senders keep sending.
constexpr int kMaxDrainPasses = 64;

}  // namespace

LiveCapture::LiveCapture(Pipeline& pipeline, const DecoderConfig& decoder, std::size_t lanes)
    : pipeline_(pipeline) {
  if (pipeline_.producers() != lanes)
    throw std::runtime_error("pipeline has " + std::to_string(pipeline_.producers()) + " rings for " +
                             std::to_string(lanes) + " capture threads");
  // One memory budget and one --max-sources for the capture as a whole, not per lane.
  DecoderConfig shared = decoder;
  if (!shared.budget)
    shared.budget = std::make_shared<DecoderBudget>(decoder.memoryBytes, decoder.maxSources, lanes);
  for (std::size_t i = 0; i < lanes; ++i) lanes_.push_back(std::make_unique<Lane>(shared));
}

LiveCapture::~LiveCapture() {
  stopAndJoin();
}

void LiveCapture::stopAndJoin() {
  requestStop();
  join();
}

void LiveCapture::start() {
  for (std::size_t i = 0; i < lanes_.size(); ++i) lanes_[i]->thread = std::thread([this, i] { run(i); });
}

void LiveCapture::join() {
  for (auto& lane : lanes_)
    if (lane->thread.joinable()) lane->thread.join();
}

std::string LiveCapture::error() const {
  for (const auto& lane : lanes_)
    if (!lane->error.empty()) return lane->error;
  return {};
}

CaptureStats LiveCapture::laneTotals() const {
  CaptureStats out;
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    addDecoderStats(out.decoder, lanes_[i]->decoder.stats());
    out.sources += lanes_[i]->decoder.sourceCount();
    addLaneCounters(i, out);
  }
  return out;
}

void LiveCapture::publishSources(std::size_t perLane) {
  sourcesPerLane_ = perLane;
  for (auto& lane : lanes_) lane->published.sources.reserve(perLane);
}

void LiveCapture::laneSnapshot(std::size_t i, LaneSnapshot& out) const {
  const Lane& lane = *lanes_[i];
  std::lock_guard lock(lane.publishMu);
  out.stats = lane.published.stats;
  out.sources.assign(lane.published.sources.begin(), lane.published.sources.end());
}

void LiveCapture::publish(std::size_t i, bool withSources) {
  Lane& lane = *lanes_[i];
  CaptureStats stats;
  stats.decoder = lane.decoder.stats();
  stats.sources = lane.decoder.sourceCount();
  addLaneCounters(i, stats);
  std::vector<SourceSample>& ranked = lane.sourceScratch;
  withSources = withSources && sourcesPerLane_ != 0;
  if (withSources) {
    ranked.clear();
    lane.decoder.forEachSource([&ranked](const Source& s, const SourceStats& st) {
      ranked.push_back({s, st});
    });
    const std::size_t keep = std::min(ranked.size(), sourcesPerLane_);
    const auto busier = [](const SourceSample& a, const SourceSample& b) {
      return a.stats.datagrams > b.stats.datagrams;
    };
    std::nth_element(ranked.begin(), ranked.begin() + std::ptrdiff_t(keep), ranked.end(), busier);
    ranked.resize(keep);
  }
  std::lock_guard lock(lane.publishMu);
  lane.published.stats = stats;
  if (withSources) lane.published.sources.assign(ranked.begin(), ranked.end());
}

std::uint64_t LiveCapture::realtimeUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::uint64_t(ts.tv_sec) * 1'000'000 + std::uint64_t(ts.tv_nsec) / 1000;
}

void LiveCapture::run(std::size_t i) {
  Lane& lane = *lanes_[i];
  nameThisThread(std::string("ncxdp-") + laneRole() + "/" + std::to_string(laneId(i)));
  RingWriter& out = pipeline_.writer(i);
  std::uint64_t lastTick = realtimeUs();
  int ticks = 0;
  try {
    while (!stop_.load(std::memory_order_relaxed)) {
      bool pushed = receive(i, out);
      const std::uint64_t now = realtimeUs();
      // A wall clock stepped backwards also ticks, so timeouts do not stall until it catches up.
      if (now - lastTick >= kTickUs || now < lastTick) {
        const bool paced = lane.decoder.tick(decoderClockUs(i, now), out);
        lastTick = paced ? now - (kTickUs - kPacedRetryUs) : now;
        pushed = true;
        publish(i, ++ticks % kTicksPerSourcePublish == 0);
      }
      if (pushed) pipeline_.notify();
    }
  } catch (const std::exception& e) {
    lane.error = e.what();
  }
  // From here on nothing may be lost: the kernel already accepted what is queued, and the
  // decoder holds partial lines and fragments.
  try {
    out.setBlocking(true);
    for (int pass = 0; pass < kMaxDrainPasses; ++pass)
      if (!drainQueued(i, out)) break;
    lane.decoder.flush(realtimeUs(), out);
    publish(i, true);
  } catch (const std::exception& e) {
    if (lane.error.empty()) lane.error = e.what();
  }
  pipeline_.producerDone(i);
  finishedLanes_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace ncxdp
