// The packet memory of one AF_XDP socket: an mmap'd area cut into fixed-size frames, registered
// with the kernel as a UMEM together with its fill ring (frames handed to the kernel to receive
// into) and its completion ring (transmitted frames the kernel hands back). A receiving socket
// (ncxdp attach) uses only the fill ring, a transmitting one (ncxdp-storm's XskSender) only the
// completion ring; the ring in use is sized to hold every frame. Setup code only.
#pragma once

#include <xdp/xsk.h>

#include <cstddef>
#include <cstdint>

namespace ncxdp {

enum class UmemUse {
  Receive,   // every frame on the fill ring (fillAll), refilled as each is consumed
  Transmit,  // frames leave through the socket's TX ring and return on the completion ring
};

class Umem {
 public:
  // 2 KiB holds any Ethernet frame netconsole sends, and every zero-copy driver accepts it.
  static constexpr std::uint32_t kFrameBytes = 2048;

  // frames * kFrameBytes of memory; the fill ring (Receive) or the completion ring (Transmit) has
  // `frames` slots (a power of two). Throws std::runtime_error with the failing step and errno.
  explicit Umem(std::uint32_t frames, UmemUse use = UmemUse::Receive);
  ~Umem();
  Umem(const Umem&) = delete;
  Umem& operator=(const Umem&) = delete;

  xsk_umem* get() const { return umem_; }
  xsk_ring_prod& fill() { return fill_; }
  xsk_ring_cons& completion() { return comp_; }
  std::uint32_t frames() const { return frames_; }
  // Hands every frame to the kernel: the fill ring starts full and stays so, since each received
  // frame goes straight back after decoding.
  void fillAll();
  // The bytes of a received descriptor's address (offset already added by the caller).
  const std::uint8_t* data(std::uint64_t addr) const {
    return static_cast<const std::uint8_t*>(xsk_umem__get_data(area_, addr));
  }
  // The same, for writing a frame to transmit.
  std::uint8_t* data(std::uint64_t addr) {
    return static_cast<std::uint8_t*>(xsk_umem__get_data(area_, addr));
  }

 private:
  std::uint32_t frames_;
  std::size_t bytes_;
  void* area_ = nullptr;
  xsk_umem* umem_ = nullptr;
  xsk_ring_prod fill_{};
  xsk_ring_cons comp_{};
};

}  // namespace ncxdp
