#include "storm/XskSender.h"
#include "util/ErrnoText.h"

#include <linux/if_xdp.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ncxdp::storm {

XskSender::XskSender(const std::string& ifname, std::uint32_t queue) {
  const std::string context = "AF_XDP TX socket on " + ifname + " queue " + std::to_string(queue);
  try {
    umem_ = std::make_unique<Umem>(kFrames, UmemUse::Transmit);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(context + ": " + e.what());
  }
  xsk_socket_config config{};
  config.rx_size = 0;
  config.tx_size = kTxSlots;
  // TX only: no XDP program is needed, and loading one would disturb the interface.
  config.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
  config.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
  if (int err = xsk_socket__create(&xsk_, ifname.c_str(), queue, umem_->get(), nullptr, &tx_, &config);
      err != 0) {
    xsk_ = nullptr;
    throw std::runtime_error(context + ": " + errorTextWithCode(-err));
  }
  free_.reserve(kFrames);
  for (std::uint32_t i = kFrames; i-- > 0;) free_.push_back(std::uint64_t(i) * kFrameBytes);
  acquired_.reserve(kFrames);
}

XskSender::~XskSender() {
  if (xsk_ != nullptr) xsk_socket__delete(xsk_);
}

void XskSender::reap() {
  xsk_ring_cons& comp = umem_->completion();
  std::uint32_t index = 0;
  const std::uint32_t n = xsk_ring_cons__peek(&comp, kFrames, &index);
  if (n == 0) return;
  for (std::uint32_t i = 0; i < n; ++i) free_.push_back(*xsk_ring_cons__comp_addr(&comp, index + i));
  xsk_ring_cons__release(&comp, n);
  outstanding_ -= n;
  stats_.completed += n;
}

void XskSender::kick() {
  ++stats_.kicks;
  if (sendto(xsk_socket__fd(xsk_), nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0) return;
  const int err = errno;
  // The device queue is full or the kernel is still busy with earlier frames: they stay in the
  // TX ring and go with the next kick.
  if (err == EAGAIN || err == EBUSY || err == ENOBUFS || err == EINTR) {
    ++stats_.busy;
    return;
  }
  throw std::runtime_error("AF_XDP send: " + errorTextWithCode(err));
}

std::uint32_t XskSender::acquire(std::uint32_t want, std::uint8_t** bufs) {
  reap();
  if (free_.empty() && outstanding_ != 0) {
    kick();
    reap();
  }
  const std::uint32_t n = std::min<std::uint32_t>(want, std::uint32_t(free_.size()));
  acquired_.clear();
  for (std::uint32_t i = 0; i < n; ++i) {
    acquired_.push_back(free_.back());
    free_.pop_back();
    bufs[i] = umem_->data(acquired_.back());
  }
  return n;
}

void XskSender::commit(std::uint32_t n, const std::uint32_t* lengths) {
  for (std::size_t i = n; i < acquired_.size(); ++i) free_.push_back(acquired_[i]);
  if (n == 0) return;
  std::uint32_t index = 0;
  // The TX ring has more slots than there are frames outstanding at once, except when the kernel
  // stopped consuming: kick and reap until it takes them.
  while (xsk_ring_prod__reserve(&tx_, n, &index) != n) {
    kick();
    reap();
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    xdp_desc* desc = xsk_ring_prod__tx_desc(&tx_, index + i);
    desc->addr = acquired_[i];
    desc->len = lengths[i];
    desc->options = 0;
  }
  xsk_ring_prod__submit(&tx_, n);
  outstanding_ += n;
  stats_.frames += n;
  for (std::uint32_t sent = 0; sent < n; sent += kKickBudget) kick();
}

std::uint64_t XskSender::drain(std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (outstanding_ != 0 && std::chrono::steady_clock::now() < end) {
    kick();
    reap();
    if (outstanding_ != 0) {
      const timespec pause{0, 100'000};
      nanosleep(&pause, nullptr);
    }
  }
  return outstanding_;
}

SenderStats XskSender::stats() const {
  SenderStats out = stats_;
  xdp_statistics raw{};
  socklen_t length = sizeof raw;
  if (getsockopt(xsk_socket__fd(xsk_), SOL_XDP, XDP_STATISTICS, &raw, &length) == 0)
    out.invalid = raw.tx_invalid_descs;
  return out;
}

}  // namespace ncxdp::storm
