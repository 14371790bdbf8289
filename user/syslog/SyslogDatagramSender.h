// The UDP transport of a syslog output (RFC 5426): one message per datagram, sent from the sink
// thread without waiting. The address is resolved once, at startup. UDP has no acknowledgement:
// what the network or a stopped server drops is not seen here; what the local kernel refuses
// (socket buffer full, a message larger than a datagram) is counted.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "syslog/SyslogSpec.h"
#include "util/UniqueFd.h"

namespace ncxdp {

class SyslogDatagramSender {
 public:
  // Resolves the host and opens the socket. Throws std::runtime_error naming what failed.
  explicit SyslogDatagramSender(const SyslogSpec& spec);
  SyslogDatagramSender(const SyslogDatagramSender&) = delete;
  SyslogDatagramSender& operator=(const SyslogDatagramSender&) = delete;

  // Sends one message; false (reported once per kind of error) when the kernel refused it.
  bool send(std::string_view message);

 private:
  const std::string where_;
  UniqueFd fd_;
  sockaddr_storage addr_{};
  socklen_t addrLen_ = 0;
  int lastErrno_ = 0;
};

}  // namespace ncxdp
