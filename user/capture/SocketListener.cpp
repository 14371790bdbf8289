#include "capture/SocketListener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "ring/RingWriter.h"
#include "util/ErrnoText.h"
#include "util/UniqueFd.h"

namespace ncxdp {

namespace {

// recvmmsg batch: one syscall per 64 datagrams under load.
constexpr unsigned kBatch = 64;
// Netconsole payloads are at most 1000 bytes; anything longer than this is counted as truncated.
constexpr std::size_t kDatagramBytes = 2048;
// Room for the SO_RXQ_OVFL control message (a u32) with its header and padding.
constexpr std::size_t kControlBytes = 64;
// Batches read from one socket per wakeup before looking at the others and at the stop flag.
constexpr int kMaxBatchesPerWake = 16;
// Asked for as root (SO_RCVBUFFORCE); a burst replaying a whole kernel log ring must fit.
constexpr int kReceiveBufferBytes = 64 << 20;

struct BindAddress {
  int family = AF_INET6;
  sockaddr_storage storage{};
  socklen_t length = 0;
  bool any = false;
};

BindAddress parseBindAddress(std::string text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  BindAddress out;
  in_addr a4;
  in6_addr a6;
  if (inet_pton(AF_INET, text.c_str(), &a4) == 1) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
    sin->sin_family = AF_INET;
    sin->sin_addr = a4;
    out.family = AF_INET;
    out.length = sizeof(sockaddr_in);
    out.any = a4.s_addr == htonl(INADDR_ANY);
    return out;
  }
  if (inet_pton(AF_INET6, text.c_str(), &a6) == 1) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = a6;
    out.family = AF_INET6;
    out.length = sizeof(sockaddr_in6);
    out.any = IN6_IS_ADDR_UNSPECIFIED(&a6);
    return out;
  }
  throw std::runtime_error("invalid --bind address '" + text + "' (want an IPv4 or IPv6 address)");
}

// "10.0.0.1" or "[fd00::1]", as it appears in front of ":port".
std::string addressText(const BindAddress& addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr.storage)->sin_addr, buf, sizeof buf);
    return buf;
  }
  inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr.storage)->sin6_addr, buf, sizeof buf);
  return "[" + std::string(buf) + "]";
}

std::string endpointText(const BindAddress& addr, std::uint16_t port) {
  return addressText(addr) + ":" + std::to_string(port);
}

void setIntOption(int fd, int level, int name, int value, const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof value) != 0)
    throw std::runtime_error(std::string("setsockopt ") + what + ": " + errorText(errno));
}

}  // namespace

struct SocketListener::Worker {
  explicit Worker(std::size_t i) : index(i), buffers(kBatch * kDatagramBytes) {
    for (unsigned m = 0; m < kBatch; ++m) {
      iov[m] = {buffers.data() + m * kDatagramBytes, kDatagramBytes};
      msghdr& h = msgs[m].msg_hdr;
      h.msg_name = &names[m];
      h.msg_iov = &iov[m];
      h.msg_iovlen = 1;
      h.msg_control = control[m].data();
    }
  }
  std::size_t index;
  std::vector<UniqueFd> fds;
  std::vector<std::uint32_t> overflow;  // SO_RXQ_OVFL: the kernel's running drop count per socket
  std::vector<pollfd> pollFds;
  std::uint64_t received = 0;
  std::uint64_t truncated = 0;
  std::uint64_t recvErrors = 0;

  // recvmmsg state, preallocated so the receive loop never allocates.
  std::vector<std::uint8_t> buffers;
  std::array<mmsghdr, kBatch> msgs{};
  std::array<iovec, kBatch> iov{};
  std::array<sockaddr_storage, kBatch> names{};
  struct alignas(cmsghdr) Control : std::array<char, kControlBytes> {};
  std::array<Control, kBatch> control{};
};

SocketListener::SocketListener(ListenConfig config, Pipeline& pipeline)
    : LiveCapture(pipeline, config.decoder, config.threads), config_(std::move(config)) {
  if (config_.threads == 0) throw std::runtime_error("--threads must be at least 1");
  if (config_.ports.empty()) throw std::runtime_error("no --port to listen on");
  BindAddress addr = parseBindAddress(config_.bindAddress);
  if (addr.family == AF_INET6 && addr.any) {
    // A host booted with ipv6.disable=1 has no AF_INET6 at all: listen on IPv4 then.
    const UniqueFd probe(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!probe && errno == EAFNOSUPPORT) {
      addr = parseBindAddress("0.0.0.0");
      if (config_.verbose)
        std::fprintf(stderr, "ncxdp listen: no IPv6 on this host, listening on IPv4 only\n");
    }
  }
  family_ = addr.family;

  auto openOne = [&](std::uint16_t port, bool reusePort) {
    // Owned until returned: a later step that throws closes it.
    UniqueFd fd(socket(addr.family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) throw std::runtime_error("socket: " + errorText(errno));
    const int raw = fd.get();
    // Dual-stack whatever the sysctl default: "::" means every IPv4 and IPv6 sender.
    if (addr.family == AF_INET6 && addr.any) setIntOption(raw, IPPROTO_IPV6, IPV6_V6ONLY, 0, "IPV6_V6ONLY");
    if (reusePort) setIntOption(raw, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
    // SO_RCVBUFFORCE ignores net.core.rmem_max but needs CAP_NET_ADMIN; else take what rmem_max allows.
    int size = kReceiveBufferBytes;
    if (setsockopt(raw, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
      setsockopt(raw, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setIntOption(raw, SOL_SOCKET, SO_RXQ_OVFL, 1, "SO_RXQ_OVFL");
    auto* sa = reinterpret_cast<sockaddr_in6*>(&addr.storage);  // sin_port and sin6_port share the offset
    sa->sin6_port = htons(port);
    if (bind(raw, reinterpret_cast<const sockaddr*>(&addr.storage), addr.length) != 0) {
      const int err = errno;
      std::string message = "cannot bind " + endpointText(addr, port) + ": " + errorText(err);
      if (err == EADDRINUSE) message += " (is another receiver running? pick another --port)";
      if (err == EADDRNOTAVAIL) message += " (is that address configured on this host?)";
      if (err == EACCES) message += " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
      throw std::runtime_error(message);
    }
    return fd;
  };

  for (std::size_t i = 0; i < config_.threads; ++i) workers_.push_back(std::make_unique<Worker>(i));
  const bool sharded = config_.threads > 1;
  for (std::uint16_t port : config_.ports) {
    if (sharded) {
      // Every member of a SO_REUSEPORT group must set the option, and another process of the
      // same user that sets it too would silently join ours and take a share of the senders.
      // A plain bind first tells whether anyone holds the port; the window until the group
      // binds is a few microseconds.
      openOne(port, false);  // closed again right away
    }
    for (auto& w : workers_) {
      w->fds.push_back(openOne(port, sharded));
      w->overflow.push_back(0);
      w->pollFds.push_back({w->fds.back().get(), POLLIN, 0});
    }
  }
  int effective = 0;
  socklen_t len = sizeof effective;
  getsockopt(workers_[0]->fds[0].get(), SOL_SOCKET, SO_RCVBUF, &effective, &len);
  // The kernel reports twice what was set (the other half is its bookkeeping allowance).
  rcvbufBytes_ = effective / 2;
  if (config_.verbose) {
    std::string ports;
    for (std::uint16_t port : config_.ports) ports += (ports.empty() ? "" : ",") + std::to_string(port);
    std::fprintf(stderr, "ncxdp listen: %s port %s, %zu thread(s), receive buffer %d KiB per socket%s\n",
                 addressText(addr).c_str(), ports.c_str(), config_.threads, rcvbufBytes_ >> 10,
                 rcvbufBytes_ < kReceiveBufferBytes ? " (raise net.core.rmem_max for more)" : "");
  }
}

SocketListener::~SocketListener() {
  stopAndJoin();
}

CaptureStats SocketListener::stats() const {
  return laneTotals();
}

void SocketListener::addLaneCounters(std::size_t lane, CaptureStats& out) const {
  const Worker& w = *workers_[lane];
  out.received += w.received;
  out.truncated += w.truncated;
  ListenStats& own = out.commandStats<ListenStats>();
  own.recvErrors += w.recvErrors;
  for (std::uint32_t dropped : w.overflow) own.socketDrops += dropped;
}

bool SocketListener::readSocket(Worker& w, std::size_t socketIndex, RingWriter& out) {
  Decoder& dec = decoder(w.index);
  const int fd = w.fds[socketIndex].get();
  bool any = false;
  for (int batch = 0; batch < kMaxBatchesPerWake; ++batch) {
    for (mmsghdr& m : w.msgs) {
      // recvmmsg overwrites these three per message; the rest stays as the constructor set it.
      m.msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      m.msg_hdr.msg_controllen = kControlBytes;
      m.msg_hdr.msg_flags = 0;
    }
    const int n = recvmmsg(fd, w.msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ++w.recvErrors;
      break;
    }
    any = true;
    const std::uint64_t nowUs = realtimeUs();
    for (int i = 0; i < n; ++i) {
      msghdr& h = w.msgs[i].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
          std::memcpy(&w.overflow[socketIndex], CMSG_DATA(c), sizeof(std::uint32_t));
      }
      ++w.received;
      if (h.msg_flags & MSG_TRUNC) {
        ++w.truncated;
        continue;
      }
      Source src;
      if (!Source::fromSockaddr(reinterpret_cast<const sockaddr*>(&w.names[i]), src)) continue;
      dec.feed(src, {w.buffers.data() + std::size_t(i) * kDatagramBytes, w.msgs[i].msg_len}, nowUs, out);
    }
    if (unsigned(n) < kBatch) break;
  }
  return any;
}

bool SocketListener::receive(std::size_t lane, RingWriter& out) {
  Worker& w = *workers_[lane];
  const int ready = poll(w.pollFds.data(), w.pollFds.size(), kWaitMs);
  if (ready < 0) {
    if (errno == EINTR) return false;
    throw std::runtime_error("poll: " + errorText(errno));
  }
  bool any = false;
  for (std::size_t s = 0; ready > 0 && s < w.pollFds.size(); ++s)
    if (w.pollFds[s].revents != 0) any |= readSocket(w, s, out);
  return any;
}

bool SocketListener::drainQueued(std::size_t lane, RingWriter& out) {
  Worker& w = *workers_[lane];
  bool any = false;
  for (std::size_t s = 0; s < w.fds.size(); ++s) any |= readSocket(w, s, out);
  return any;
}

}  // namespace ncxdp
