#include "capture/Umem.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "util/ErrnoText.h"

namespace ncxdp {

namespace {

[[noreturn]] void fail(const std::string& what, int err, UmemUse use) {
  // --xsk-ring and LimitMEMLOCK= are the receiver's (its option, its systemd unit); the storm
  // generator's UMEM has a fixed size.
  std::string hint;
  if (err == EPERM || err == EACCES) {
    hint = "; AF_XDP sockets need root or CAP_NET_RAW";
  } else if (err == ENOBUFS || err == ENOMEM) {
    hint = "; the packet memory exceeds the locked-memory limit (ulimit -l): grant CAP_IPC_LOCK";
    hint += use == UmemUse::Receive ? ", raise the limit (LimitMEMLOCK=), or use a smaller --xsk-ring"
                                    : " or raise the limit";
  }
  throw std::runtime_error(what + ": " + errorTextWithCode(err) + hint);
}

}  // namespace

Umem::Umem(std::uint32_t frames, UmemUse use) : frames_(frames), bytes_(std::size_t(frames) * kFrameBytes) {
  if (frames == 0 || (frames & (frames - 1)) != 0)
    throw std::runtime_error("AF_XDP ring size " + std::to_string(frames) + " is not a power of two");
  // Page-aligned and never swapped out from under the NIC's DMA; MAP_POPULATE so the first burst
  // does not page-fault in the kernel's copy path.
  area_ = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (area_ == MAP_FAILED) {
    area_ = nullptr;
    fail("allocate " + std::to_string(bytes_ >> 10) + " KiB of AF_XDP packet memory", errno, use);
  }
  xsk_umem_config config{};
  // The ring not in use keeps libxdp's default size: the kernel wants both.
  config.fill_size = use == UmemUse::Receive ? frames : XSK_RING_PROD__DEFAULT_NUM_DESCS;
  config.comp_size = use == UmemUse::Transmit ? frames : XSK_RING_CONS__DEFAULT_NUM_DESCS;
  config.frame_size = kFrameBytes;
  config.frame_headroom = 0;
  config.flags = 0;
  if (int err = xsk_umem__create(&umem_, area_, bytes_, &fill_, &comp_, &config); err != 0) {
    umem_ = nullptr;
    munmap(area_, bytes_);
    fail("register AF_XDP packet memory (UMEM)", -err, use);
  }
}

Umem::~Umem() {
  if (umem_ != nullptr) xsk_umem__delete(umem_);
  if (area_ != nullptr) munmap(area_, bytes_);
}

void Umem::fillAll() {
  std::uint32_t index = 0;
  const std::uint32_t reserved = xsk_ring_prod__reserve(&fill_, frames_, &index);
  for (std::uint32_t i = 0; i < reserved; ++i)
    *xsk_ring_prod__fill_addr(&fill_, index + i) = std::uint64_t(i) * kFrameBytes;
  xsk_ring_prod__submit(&fill_, reserved);
}

}  // namespace ncxdp
