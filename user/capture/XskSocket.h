// One AF_XDP socket bound to one receive queue of an interface, receiving into its own Umem.
// Created with XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD: the XDP program is ours (XdpProgram), and
// the caller inserts fd() into its XSKMAP. Setup and teardown only; the receive loop uses rx()
// and umem() directly.
#pragma once

#include <xdp/xsk.h>

#include <cstdint>
#include <memory>
#include <string>

#include "capture/Umem.h"

namespace ncxdp {

enum class XskBindMode {
  Auto,      // zero-copy, falling back to copy when the driver cannot
  ZeroCopy,  // zero-copy or fail
  Copy,      // the kernel copies each frame into the UMEM
};

// The kernel's per-socket drop counters (getsockopt SOL_XDP XDP_STATISTICS).
struct XskStats {
  std::uint64_t rxDropped = 0;       // dropped for other reasons (e.g. frame larger than a chunk)
  std::uint64_t rxRingFull = 0;      // the RX ring was full: the consumer fell behind
  std::uint64_t fillRingEmpty = 0;   // no free frame in the fill ring
  std::uint64_t rxInvalidDescs = 0;  // a fill ring entry that is not a valid frame (a bug)
};

class XskSocket {
 public:
  // ringSize slots for both the RX and the fill ring, and as many frames. Throws
  // std::runtime_error; with ZeroCopy on a driver without it, the message says so.
  XskSocket(const std::string& ifname, std::uint32_t queue, std::uint32_t ringSize, XskBindMode mode);
  ~XskSocket();
  XskSocket(const XskSocket&) = delete;
  XskSocket& operator=(const XskSocket&) = delete;

  int fd() const { return xsk_socket__fd(xsk_); }
  std::uint32_t queue() const { return queue_; }
  bool zeroCopy() const { return zeroCopy_; }
  xsk_ring_cons& rx() { return rx_; }
  Umem& umem() { return *umem_; }
  // Any thread: a getsockopt, so not per packet. Zeros when the kernel refuses.
  XskStats stats() const;

 private:
  // Returns 0 or the positive errno of xsk_socket__create with those bind flags.
  int create(const std::string& ifname, std::uint16_t bindFlags);

  std::uint32_t queue_;
  std::uint32_t ringSize_;
  std::unique_ptr<Umem> umem_;
  xsk_socket* xsk_ = nullptr;
  xsk_ring_cons rx_{};
  bool zeroCopy_ = false;
};

}  // namespace ncxdp
