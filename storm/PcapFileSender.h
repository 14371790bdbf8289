// Frames into a classic pcap file instead of onto an interface (`ncxdp-storm send --pcap FILE`):
// the same traffic for `ncxdp replay`, for profiling the decode path under callgrind, and for
// looking at a storm in tcpdump or Wireshark. Timestamps advance at the target rate.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "storm/FrameSender.h"

namespace ncxdp::storm {

class PcapFileSender final : public FrameSender {
 public:
  // pps sets the spacing of the timestamps (0: 1 microsecond apart). Throws std::runtime_error
  // naming the path when it cannot be created.
  PcapFileSender(const std::string& path, double pps, std::uint32_t batch);
  ~PcapFileSender() override;
  PcapFileSender(const PcapFileSender&) = delete;
  PcapFileSender& operator=(const PcapFileSender&) = delete;

  std::uint32_t acquire(std::uint32_t want, std::uint8_t** bufs) override;
  void commit(std::uint32_t n, const std::uint32_t* lengths) override;
  std::uint64_t drain(std::chrono::milliseconds) override { return 0; }
  SenderStats stats() const override { return stats_; }
  std::string_view name() const override { return "pcap"; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  double spacingUs_;
  std::uint32_t batch_;
  std::vector<std::uint8_t> buffers_;
  SenderStats stats_;
};

}  // namespace ncxdp::storm
