// One stream connection to a syslog server, plain TCP or TLS (GnuTLS), on a non-blocking socket
// so the sending thread can keep its own deadlines. A syslog server never sends anything back
// over it, so anything readable is the server leaving: peerGone() notices a restarted server
// before the next write instead of after it, when that write would already be lost.
#pragma once

#include <gnutls/gnutls.h>

#include <sys/types.h>
#include <chrono>
#include <cstddef>
#include <string>

#include "syslog/SyslogSpec.h"
#include "util/UniqueFd.h"

namespace ncxdp {

class SyslogConnection {
 public:
  using Clock = std::chrono::steady_clock;

  // Loads the TLS credentials when spec.proto is tls. Throws std::runtime_error naming the file
  // that could not be read.
  explicit SyslogConnection(const SyslogSpec& spec);
  ~SyslogConnection();
  SyslogConnection(const SyslogConnection&) = delete;
  SyslogConnection& operator=(const SyslogConnection&) = delete;

  // Resolves the host and connects to its first address that answers (then the TLS handshake),
  // before deadline. Returns an empty string, or what failed.
  std::string connect(Clock::time_point deadline);
  void close();
  bool isOpen() const { return bool(fd_); }

  // True when the server closed or reset the connection (or sent what no syslog server sends).
  bool peerGone();

  // Writes part of data: returns the bytes written (> 0), 0 when the socket is full (wait with
  // waitWritable), or -1 on an error (error() says which; the connection is then unusable).
  ssize_t writeSome(const char* data, std::size_t n);
  // Waits up to timeout for room to write; false on timeout.
  bool waitWritable(std::chrono::milliseconds timeout);
  const std::string& error() const { return error_; }

 private:
  std::string connectTcp(Clock::time_point deadline);
  std::string handshake(Clock::time_point deadline);
  bool waitFor(short events, Clock::time_point deadline);

  const SyslogSpec spec_;
  UniqueFd fd_;
  gnutls_certificate_credentials_t cred_ = nullptr;
  gnutls_session_t session_ = nullptr;
  std::string error_;
};

}  // namespace ncxdp
