// Paces the sender at a target rate. Grants whole batches against a schedule that started at the
// first call; sleeps when the next batch is far away and spins the last stretch (the generator has
// a core of its own in the benchmark layout), so batches leave evenly instead of in clumps.
#pragma once

#include <cstdint>

namespace ncxdp::storm {

class RateLimiter {
 public:
  // pps 0: unlimited. A sender that falls more than kMaxLagNs behind (the kernel pushed back)
  // does not catch up in one burst: the schedule restarts from now and the lost time is counted.
  explicit RateLimiter(double pps) : pps_(pps) {}

  // Waits until `want` more frames are due on the schedule and returns want: batches leave whole,
  // one batch time apart.
  std::uint32_t acquire(std::uint32_t want);
  // Returns frames granted but not sent (the sender had no free buffer): they are due again.
  void refund(std::uint32_t n) { granted_ -= n; }
  // Time the sender spent behind the schedule, in nanoseconds (not offered at the target rate).
  std::uint64_t lostNs() const { return lostNs_; }

  static std::uint64_t nowNs();

 private:
  static constexpr std::uint64_t kMaxLagNs = 2'000'000;

  double pps_;
  std::uint64_t startNs_ = 0;
  std::uint64_t granted_ = 0;
  std::uint64_t lostNs_ = 0;
};

}  // namespace ncxdp::storm
