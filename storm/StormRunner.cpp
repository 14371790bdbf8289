#include "storm/StormRunner.h"

#include <cinttypes>
#include <cstdio>
#include <vector>

#include "storm/RateLimiter.h"

namespace ncxdp::storm {

StormRunner::StormRunner(Workload& workload, FrameSender& sender, const RunConfig& config)
    : workload_(workload), sender_(sender), config_(config), ledger_(workload.hosts().size()) {}

void StormRunner::progress(double elapsedS, bool last) {
  const double window = elapsedS - lastProgressS_;
  const double rate = window > 0 ? double(frames_ - lastFrames_) / window : 0;
  std::fprintf(stderr, "ncxdp-storm: %6.1f s %12" PRIu64 " datagrams %12" PRIu64 " records %8.3f Mpps%s\n",
               elapsedS, frames_, records_, rate / 1e6, last ? " (done)" : "");
  lastFrames_ = frames_;
  lastProgressS_ = elapsedS;
}

SendSummary StormRunner::run(const std::atomic<bool>& stop) {
  const std::uint32_t batch = std::max<std::uint32_t>(1, config_.batch);
  std::vector<std::uint8_t*> bufs(batch);
  std::vector<std::uint32_t> lengths(batch);
  RateLimiter limiter(config_.pps);
  SendSummary s;
  s.sender = std::string(sender_.name());
  s.targetPps = config_.pps;
  const std::uint64_t startNs = RateLimiter::nowNs();
  const auto limitNs = std::uint64_t(config_.durationS * 1e9);
  const std::uint64_t count = config_.count;
  bool atBoundary = true;
  bool ending = false;  // a bound was reached: finish the message in flight, then stop
  bool exhausted = false;
  std::uint64_t nextProgressNs = startNs + 1'000'000'000;
  while (!exhausted) {
    const std::uint64_t now = RateLimiter::nowNs();
    if (!ending) {
      if (stop.load(std::memory_order_relaxed)) {
        ending = true, s.stop = "signal";
      } else if (now - startNs >= limitNs) {
        ending = true, s.stop = "duration";
      } else if (count != 0 && frames_ >= count) {
        ending = true, s.stop = "count";
      }
    }
    if (ending && atBoundary) break;
    if (config_.progress && now >= nextProgressNs) {
      progress(double(now - startNs) * 1e-9, false);
      nextProgressNs += 1'000'000'000;
    }
    std::uint32_t want = batch;
    if (count != 0 && !ending && count - frames_ < want) want = std::uint32_t(count - frames_);
    if (ending) want = 1;  // only what completes the message in flight
    want = limiter.acquire(want);
    const std::uint32_t got = sender_.acquire(want, bufs.data());
    if (got < want) limiter.refund(want - got);
    std::uint32_t n = 0;
    for (; n < got; ++n) {
      FrameInfo info;
      const std::size_t len = workload_.nextFrame(bufs[n], info);
      if (len == 0) {
        exhausted = true;
        s.stop = "complete";
        break;
      }
      lengths[n] = std::uint32_t(len);
      HostLedger& l = ledger_[info.host];
      ++l.datagrams;
      l.frameBytes += len;
      if (info.completesRecord) ++l.records, ++records_;
      atBoundary = info.messageEnd;
      frameBytes_ += len;
      ++frames_;
    }
    sender_.commit(n, lengths.data());
  }
  // The offered rate is over the sending window; waiting for the last completions is not sending.
  s.elapsedS = double(RateLimiter::nowNs() - startNs) * 1e-9;
  s.undrained = sender_.drain(std::chrono::milliseconds(2000));
  s.frames = frames_;
  s.frameBytes = frameBytes_;
  s.lostNs = limiter.lostNs();
  s.senderStats = sender_.stats();
  if (config_.progress) progress(s.elapsedS, true);
  return s;
}

}  // namespace ncxdp::storm
