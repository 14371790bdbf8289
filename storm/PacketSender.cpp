#include "storm/PacketSender.h"
#include "util/ErrnoText.h"

#include <linux/if_packet.h>
#include <net/if.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ncxdp::storm {

PacketSender::PacketSender(const std::string& ifname, std::uint32_t batch) : batch_(batch) {
  const std::string context = "AF_PACKET socket on " + ifname;
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) throw std::runtime_error(context + ": no such interface");
  // Protocol 0: this socket only sends, so the kernel never queues received frames on it.
  fd_.reset(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  if (!fd_) throw std::runtime_error(context + ": " + errorTextWithCode(errno));
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = int(ifindex);
  if (bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error(context + ": bind: " + errorTextWithCode(errno));
  const int one = 1;
  // Straight to the driver: the storm measures the receiver, not the sender's qdisc.
  setsockopt(fd_.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  buffers_.resize(std::size_t(batch_) * kFrameBytes);
  iov_.resize(batch_);
  msgs_.resize(batch_);
}

std::uint32_t PacketSender::acquire(std::uint32_t want, std::uint8_t** bufs) {
  const std::uint32_t n = std::min(want, batch_);
  for (std::uint32_t i = 0; i < n; ++i) bufs[i] = buffers_.data() + std::size_t(i) * kFrameBytes;
  return n;
}

void PacketSender::commit(std::uint32_t n, const std::uint32_t* lengths) {
  for (std::uint32_t i = 0; i < n; ++i) {
    iov_[i] = {buffers_.data() + std::size_t(i) * kFrameBytes, lengths[i]};
    msgs_[i] = {};
    msgs_[i].msg_hdr.msg_iov = &iov_[i];
    msgs_[i].msg_hdr.msg_iovlen = 1;
  }
  std::uint32_t done = 0;
  while (done < n) {
    ++stats_.kicks;
    const int rc = sendmmsg(fd_.get(), msgs_.data() + done, n - done, 0);
    if (rc > 0) {
      done += std::uint32_t(rc);
      continue;
    }
    const int err = errno;
    if (err != EAGAIN && err != ENOBUFS && err != EINTR)
      throw std::runtime_error("AF_PACKET send: " + errorTextWithCode(err));
    // The device queue is full: wait for it rather than dropping (the manifest counts what left).
    ++stats_.busy;
    const timespec pause{0, 20'000};
    nanosleep(&pause, nullptr);
  }
  stats_.frames += n;
  stats_.completed += n;
}

}  // namespace ncxdp::storm
