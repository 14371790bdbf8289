// AF_XDP transmit (libxdp's xsk API) in copy mode, TX only: frames are written into a UMEM (the
// receiver's Umem, configured for transmit) and handed to the kernel through the TX ring;
// completions return them. One sendto() kicks the
// kernel for each 32 frames (its per-call TX budget), so a batch of 64 costs two syscalls.
#pragma once

#include <xdp/xsk.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/Umem.h"
#include "storm/FrameSender.h"

namespace ncxdp::storm {

class XskSender final : public FrameSender {
 public:
  // Throws std::runtime_error naming the step (UMEM, socket) and errno.
  XskSender(const std::string& ifname, std::uint32_t queue);
  ~XskSender() override;
  XskSender(const XskSender&) = delete;
  XskSender& operator=(const XskSender&) = delete;

  std::uint32_t acquire(std::uint32_t want, std::uint8_t** bufs) override;
  void commit(std::uint32_t n, const std::uint32_t* lengths) override;
  std::uint64_t drain(std::chrono::milliseconds limit) override;
  SenderStats stats() const override;
  std::string_view name() const override { return "af_xdp"; }

 private:
  static constexpr std::uint32_t kFrames = 8192;
  static constexpr std::uint32_t kTxSlots = 4096;
  static constexpr std::uint32_t kKickBudget = 32;

  void reap();
  void kick();

  static_assert(kFrameBytes == Umem::kFrameBytes);

  std::unique_ptr<Umem> umem_;
  xsk_socket* xsk_ = nullptr;  // deleted before umem_: the UMEM cannot go while a socket uses it
  xsk_ring_prod tx_{};
  std::vector<std::uint64_t> free_;      // frame addresses not with the kernel
  std::vector<std::uint64_t> acquired_;  // handed out by the last acquire()
  std::uint64_t outstanding_ = 0;        // submitted, not yet completed
  SenderStats stats_;
};

}  // namespace ncxdp::storm
