// Loss accounting for one source: printk seq and netconsole msgid. A jump forward is a gap (seq:
// filtered by console loglevel or lost; msgid: lost, it counts only messages sent to this target).
// A jump back is either a late/duplicate datagram (small) or a reboot (seq 0, msgid 1, or far back).
#pragma once

#include <cstdint>
#include <optional>

namespace ncxdp {

struct Gap {
  std::uint64_t from = 0;  // inclusive
  std::uint64_t to = 0;    // inclusive
};

class GapTracker {
 public:
  // How far back a value may be and still count as late rather than as a restart.
  static constexpr std::uint64_t kReorderWindow = 1024;

  // Records `seq`; returns the gap it reveals, if any.
  std::optional<Gap> seq(std::uint64_t value);
  // Records `msgid` (a u32 that wraps); returns the gap it reveals, if any.
  std::optional<Gap> msgid(std::uint64_t value);

 private:
  std::optional<std::uint64_t> lastSeq_;
  std::optional<std::uint32_t> lastMsgid_;
};

}  // namespace ncxdp
