#include "syslog/SyslogDatagramSender.h"

#include <netdb.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace ncxdp {

SyslogDatagramSender::SyslogDatagramSender(const SyslogSpec& spec) : where_(spec.describe()) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* list = nullptr;
  const std::string port = std::to_string(spec.port);
  const int gai = ::getaddrinfo(spec.host.c_str(), port.c_str(), &hints, &list);
  if (gai != 0) throw std::runtime_error("syslog: cannot resolve " + spec.host + ": " + gai_strerror(gai));
  std::memcpy(&addr_, list->ai_addr, list->ai_addrlen);
  addrLen_ = list->ai_addrlen;
  fd_.reset(::socket(list->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const int err = errno;
  ::freeaddrinfo(list);
  if (!fd_) throw std::runtime_error("syslog: socket: " + std::string(std::strerror(err)));
  // Room for a burst: the sink thread never waits on this socket, so a full buffer is a loss.
  const int sndbuf = 4 << 20;
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
}

bool SyslogDatagramSender::send(std::string_view message) {
  // Unconnected on purpose: an ICMP port unreachable from a stopped server would otherwise fail
  // the next send, which is a different message than the one that was lost.
  const ssize_t rc = ::sendto(fd_.get(), message.data(), message.size(), MSG_DONTWAIT,
                              reinterpret_cast<const sockaddr*>(&addr_), addrLen_);
  if (rc == ssize_t(message.size())) {
    lastErrno_ = 0;
    return true;
  }
  const int err = rc < 0 ? errno : EMSGSIZE;
  if (err != lastErrno_)
    std::fprintf(stderr, "ncxdp: syslog %s: cannot send a %zu-byte message: %s; counted as lost\n",
                 where_.c_str(), message.size(), std::strerror(err));
  lastErrno_ = err;
  return false;
}

}  // namespace ncxdp
