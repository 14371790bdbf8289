#include "storm/RateLimiter.h"

#include <time.h>

#include <algorithm>

namespace ncxdp::storm {

std::uint64_t RateLimiter::nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1'000'000'000 + std::uint64_t(ts.tv_nsec);
}

std::uint32_t RateLimiter::acquire(std::uint32_t want) {
  if (pps_ <= 0 || want == 0) return want;
  std::uint64_t now = nowNs();
  if (startNs_ == 0) startNs_ = now - std::uint64_t(double(want) / pps_ * 1e9);
  for (;;) {
    const auto due = std::uint64_t(double(now - startNs_) * 1e-9 * pps_);
    if (due >= granted_ + want) {
      const std::uint64_t behind = due - granted_ - want;
      if (double(behind) / pps_ * 1e9 > double(kMaxLagNs)) {
        // Far behind (the kernel pushed back): forgive the backlog instead of bursting, and
        // remember the time that was not offered at the target rate.
        lostNs_ += std::uint64_t(double(behind) / pps_ * 1e9);
        startNs_ = now - std::uint64_t(double(granted_ + want) / pps_ * 1e9);
      }
      granted_ += want;
      return want;
    }
    const auto nextNs = startNs_ + std::uint64_t(double(granted_ + want) / pps_ * 1e9);
    if (nextNs > now + 200'000) {
      // Far away: sleep most of the way (wakeup latency is tens of microseconds), spin the rest.
      const std::uint64_t sleepNs = nextNs - now - 100'000;
      const timespec t{time_t(sleepNs / 1'000'000'000), long(sleepNs % 1'000'000'000)};
      nanosleep(&t, nullptr);
    }
    now = nowNs();
  }
}

}  // namespace ncxdp::storm
