// Rate-measurement traffic: every host sends single-datagram extended records of one fixed payload
// size, round robin, for as long as the sender runs. Each frame is a per-host template with only
// the seq and msgid digits rewritten and the UDP checksum patched from a precomputed sum, so the
// generator's own cost stays far below the kernel's cost of sending it.
#pragma once

#include <cstdint>
#include <vector>

#include "storm/RecordDigest.h"
#include "storm/Workload.h"

namespace ncxdp::storm {

class FlatWorkload final : public Workload {
 public:
  // Fixed-width numbers keep every frame the same length: 7 digits from here on.
  static constexpr std::uint64_t kFirstSeq = 1'000'000;
  static constexpr std::uint64_t kLastSeq = 9'999'999;
  static constexpr std::size_t kDigits = 7;

  // payloadBytes: UDP payload size, up to 1000 (one datagram per record). Hosts must be extended
  // targets. Throws std::invalid_argument when the size cannot hold the header and a short text.
  FlatWorkload(std::vector<Host> hosts, std::size_t payloadBytes);

  const std::vector<Host>& hosts() const override { return hosts_; }
  void prepare(FrameBuilder& builder) override;
  std::size_t nextFrame(std::uint8_t* out, FrameInfo& info) override;
  std::uint64_t frameCount() const override { return 0; }
  ExpectedRecord expected(std::size_t host, std::uint64_t k) const override;
  std::uint64_t recordCount(std::size_t host) const override { return 0; }
  std::size_t payloadBytes() const { return payloadBytes_; }

 private:
  struct Template {
    std::vector<std::uint8_t> frame;
    std::size_t seqAt = 0;    // offsets in frame of the digits
    std::size_t msgidAt = 0;  // 0: no msgid (6.1 host)
    std::size_t udpAt = 0;
    std::uint64_t sumWithoutDigits = 0;
  };

  // The payload the host sends with seq/msgid kFirstSeq, and the content hash state before msgid.
  std::string payloadFor(std::size_t h, ContentHash& prefix) const;

  std::vector<Host> hosts_;
  std::size_t payloadBytes_;
  std::vector<ContentHash> prefix_;  // hash of text, cpu and taskname: all but the msgid
  std::vector<Template> templates_;
  std::vector<std::uint64_t> sent_;
  std::size_t nextHost_ = 0;
};

}  // namespace ncxdp::storm
