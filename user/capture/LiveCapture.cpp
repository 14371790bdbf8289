#include "capture/LiveCapture.h"

#include <ctime>
#include <exception>
#include <stdexcept>

#include "app/Pipeline.h"

namespace ncxdp {

namespace {

constexpr std::uint64_t kTickUs = 100'000;
// Shutdown reads what was already accepted, bounded in case senders keep sending.
constexpr int kMaxDrainPasses = 64;

}  // namespace

LiveCapture::LiveCapture(Pipeline& pipeline, const DecoderConfig& decoder, std::size_t lanes)
    : pipeline_(pipeline) {
  if (pipeline_.producers() != lanes)
    throw std::runtime_error("pipeline has " + std::to_string(pipeline_.producers()) + " rings for " +
                             std::to_string(lanes) + " capture threads");
  for (std::size_t i = 0; i < lanes; ++i) lanes_.push_back(std::make_unique<Lane>(decoder));
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

CaptureStats LiveCapture::decoderStats() const {
  CaptureStats out;
  for (const auto& lane : lanes_) {
    addDecoderStats(out.decoder, lane->decoder.stats());
    out.sources += lane->decoder.sourceCount();
  }
  return out;
}

std::uint64_t LiveCapture::realtimeUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::uint64_t(ts.tv_sec) * 1'000'000 + std::uint64_t(ts.tv_nsec) / 1000;
}

void LiveCapture::run(std::size_t i) {
  Lane& lane = *lanes_[i];
  RingWriter& out = pipeline_.writer(i);
  std::uint64_t lastTick = realtimeUs();
  try {
    while (!stop_.load(std::memory_order_relaxed)) {
      bool pushed = receive(i, out);
      const std::uint64_t now = realtimeUs();
      // A wall clock stepped backwards also ticks, so timeouts do not stall until it catches up.
      if (now - lastTick >= kTickUs || now < lastTick) {
        lane.decoder.tick(now, out);
        lastTick = now;
        pushed = true;
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
  } catch (const std::exception& e) {
    if (lane.error.empty()) lane.error = e.what();
  }
  pipeline_.producerDone(i);
  finishedLanes_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace ncxdp
