// AF_PACKET fallback where AF_XDP is unavailable (old kernel, no CAP_NET_RAW for XDP sockets):
// a raw packet socket bypassing the qdisc, frames sent in batches with one sendmmsg() each.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storm/FrameSender.h"
#include "util/UniqueFd.h"

namespace ncxdp::storm {

class PacketSender final : public FrameSender {
 public:
  // Throws std::runtime_error naming the interface and errno.
  PacketSender(const std::string& ifname, std::uint32_t batch);
  PacketSender(const PacketSender&) = delete;
  PacketSender& operator=(const PacketSender&) = delete;

  std::uint32_t acquire(std::uint32_t want, std::uint8_t** bufs) override;
  void commit(std::uint32_t n, const std::uint32_t* lengths) override;
  std::uint64_t drain(std::chrono::milliseconds) override { return 0; }
  SenderStats stats() const override { return stats_; }
  std::string_view name() const override { return "af_packet"; }

 private:
  UniqueFd fd_;
  std::uint32_t batch_;
  std::vector<std::uint8_t> buffers_;
  std::vector<iovec> iov_;
  std::vector<mmsghdr> msgs_;
  SenderStats stats_;
};

}  // namespace ncxdp::storm
