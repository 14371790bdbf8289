#include "decode/GapTracker.h"

namespace ncxdp {

std::optional<Gap> GapTracker::seq(std::uint64_t value) {
  if (!lastSeq_ || value == 0) {
    lastSeq_ = value;
    return std::nullopt;
  }
  std::uint64_t last = *lastSeq_;
  if (value == last) return std::nullopt;  // another fragment or a duplicate of the same record
  if (value < last) {
    if (last - value > kReorderWindow) lastSeq_ = value;  // the source rebooted
    return std::nullopt;
  }
  lastSeq_ = value;
  if (value == last + 1) return std::nullopt;
  return Gap{last + 1, value - 1};
}

std::optional<Gap> GapTracker::msgid(std::uint64_t value64) {
  std::uint32_t value = std::uint32_t(value64);
  if (!lastMsgid_) {
    lastMsgid_ = value;
    return std::nullopt;
  }
  std::uint32_t last = *lastMsgid_;
  std::uint32_t ahead = value - last;  // modulo 2^32: the counter wraps
  if (ahead == 0) return std::nullopt;
  if (ahead >= 0x80000000u || (value == 1 && last != 0)) {
    // Behind us: a late datagram, unless it is far back or a fresh count from 1 (target re-enabled,
    // host rebooted).
    std::uint32_t behind = last - value;
    if (behind > kReorderWindow || value == 1) lastMsgid_ = value;
    return std::nullopt;
  }
  lastMsgid_ = value;
  if (ahead == 1) return std::nullopt;
  // Report in the u32 space; a range that wraps is reported as its two ends as the sender counted.
  return Gap{std::uint32_t(last + 1), std::uint32_t(value - 1)};
}

}  // namespace ncxdp
