// The packet memory one AF_XDP socket receives into: an mmap'd area cut into fixed-size frames,
// registered with the kernel as a UMEM together with its fill ring (frames handed to the kernel
// to write into) and completion ring (unused: ncxdp never transmits). Setup code only.
#pragma once

#include <xdp/xsk.h>

#include <cstddef>
#include <cstdint>

namespace ncxdp {

class Umem {
 public:
  // 2 KiB holds any Ethernet frame netconsole sends, and every zero-copy driver accepts it.
  static constexpr std::uint32_t kFrameBytes = 2048;

  // frames * kFrameBytes of memory; the fill ring has `frames` slots (a power of two). Throws
  // std::runtime_error with the failing step and errno.
  explicit Umem(std::uint32_t frames);
  ~Umem();
  Umem(const Umem&) = delete;
  Umem& operator=(const Umem&) = delete;

  xsk_umem* get() const { return umem_; }
  xsk_ring_prod& fill() { return fill_; }
  std::uint32_t frames() const { return frames_; }
  // Hands every frame to the kernel: the fill ring starts full and stays so, since each received
  // frame goes straight back after decoding.
  void fillAll();
  // The bytes of a received descriptor's address (offset already added by the caller).
  const std::uint8_t* data(std::uint64_t addr) const {
    return static_cast<const std::uint8_t*>(xsk_umem__get_data(area_, addr));
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
