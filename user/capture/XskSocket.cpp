#include "capture/XskSocket.h"
#include "util/ErrnoText.h"

#include <linux/if_xdp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ncxdp {

XskSocket::XskSocket(const std::string& ifname, std::uint32_t queue, std::uint32_t ringSize, XskBindMode mode)
    : queue_(queue), ringSize_(ringSize) {
  const std::string context = "AF_XDP socket on " + ifname + " queue " + std::to_string(queue);
  int err = 0;
  if (mode != XskBindMode::Copy) {
    err = create(ifname, XDP_USE_NEED_WAKEUP | XDP_ZEROCOPY);
    if (err == 0) {
      zeroCopy_ = true;
    } else if (mode == XskBindMode::ZeroCopy) {
      throw std::runtime_error(context + ": zero-copy refused: " + errorTextWithCode(err) +
                               " (the driver or the XDP mode cannot do zero-copy; use --copy)");
    }
  }
  if (!zeroCopy_) {
    err = create(ifname, XDP_USE_NEED_WAKEUP | XDP_COPY);
    if (err != 0) throw std::runtime_error(context + ": " + errorTextWithCode(err));
  }
  umem_->fillAll();
}

int XskSocket::create(const std::string& ifname, std::uint16_t bindFlags) {
  // A fresh UMEM per attempt: a failed bind may leave the previous one half set up.
  umem_ = std::make_unique<Umem>(ringSize_);
  xsk_socket_config config{};
  config.rx_size = ringSize_;
  config.tx_size = 0;
  config.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
  config.xdp_flags = 0;
  config.bind_flags = bindFlags;
  const int rc = xsk_socket__create(&xsk_, ifname.c_str(), queue_, umem_->get(), &rx_, nullptr, &config);
  if (rc == 0) return 0;
  xsk_ = nullptr;
  umem_.reset();
  return -rc;
}

XskSocket::~XskSocket() {
  // The socket first: the UMEM cannot be deleted while a socket still uses it.
  if (xsk_ != nullptr) xsk_socket__delete(xsk_);
  umem_.reset();
}

XskStats XskSocket::stats() const {
  xdp_statistics raw{};
  socklen_t length = sizeof raw;
  XskStats out;
  if (getsockopt(fd(), SOL_XDP, XDP_STATISTICS, &raw, &length) != 0) return out;
  out.rxDropped = raw.rx_dropped;
  out.rxRingFull = raw.rx_ring_full;
  out.fillRingEmpty = raw.rx_fill_ring_empty_descs;
  out.rxInvalidDescs = raw.rx_invalid_descs;
  return out;
}

}  // namespace ncxdp
