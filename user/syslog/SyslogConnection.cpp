#include "syslog/SyslogConnection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace ncxdp {

namespace {

// A peer that stops acknowledging (pulled cable, dead host) fails the connection after this
// long instead of after the kernel's default of about 15 minutes of retransmissions.
constexpr unsigned kUserTimeoutMs = 30'000;

std::string errnoText(int err) {
  return std::strerror(err);
}

std::string tlsText(int rc) {
  return gnutls_strerror(rc);
}

// SIGPIPE is ignored by the application, but a send must not depend on it.
ssize_t pushNoSignal(gnutls_transport_ptr_t ptr, const void* data, std::size_t n) {
  return ::send(static_cast<int>(reinterpret_cast<intptr_t>(ptr)), data, n, MSG_NOSIGNAL);
}

bool isIpLiteral(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

SyslogConnection::SyslogConnection(const SyslogSpec& spec) : spec_(spec) {
  if (spec_.proto != SyslogProto::Tls) return;
  gnutls_certificate_credentials_t cred = nullptr;
  int rc = gnutls_certificate_allocate_credentials(&cred);
  if (rc < 0) throw std::runtime_error("tls: allocate credentials: " + tlsText(rc));
  // Owned here until every file has loaded: the destructor does not run for a constructor that
  // throws, so a bad ca=/cert= must not leak the credentials.
  std::unique_ptr<gnutls_certificate_credentials_st, decltype(&gnutls_certificate_free_credentials)> owned(
      cred, gnutls_certificate_free_credentials);
  if (!spec_.caFile.empty()) {
    rc = gnutls_certificate_set_x509_trust_file(cred, spec_.caFile.c_str(), GNUTLS_X509_FMT_PEM);
    if (rc <= 0)
      throw std::runtime_error("tls: cannot load CA certificates from " + spec_.caFile + ": " +
                               (rc == 0 ? std::string("no certificate in the file") : tlsText(rc)));
  } else {
    rc = gnutls_certificate_set_x509_system_trust(cred);
    if (rc <= 0)
      throw std::runtime_error("tls: no system CA certificates (" +
                               (rc == 0 ? std::string("none found") : tlsText(rc)) +
                               "); install ca-certificates or give ca=PATH");
  }
  if (!spec_.certFile.empty()) {
    rc = gnutls_certificate_set_x509_key_file(cred, spec_.certFile.c_str(), spec_.keyFile.c_str(),
                                              GNUTLS_X509_FMT_PEM);
    if (rc < 0)
      throw std::runtime_error("tls: cannot load client certificate " + spec_.certFile + " with key " +
                               spec_.keyFile + ": " + tlsText(rc));
  }
  cred_ = owned.release();
}

SyslogConnection::~SyslogConnection() {
  close();
  if (cred_ != nullptr) gnutls_certificate_free_credentials(cred_);
}

void SyslogConnection::close() {
  if (session_ != nullptr) {
    // close_notify, one try without waiting: servers log a connection ended without it as an error.
    gnutls_bye(session_, GNUTLS_SHUT_WR);
    gnutls_deinit(session_);
    session_ = nullptr;
  }
  fd_.reset();
}

bool SyslogConnection::waitFor(short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_.get(), events, 0};
    const int rc = ::poll(&p, 1, int(left));
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return false;
  }
}

std::string SyslogConnection::connect(Clock::time_point deadline) {
  close();
  std::string err = connectTcp(deadline);
  if (err.empty() && spec_.proto == SyslogProto::Tls) err = handshake(deadline);
  if (!err.empty()) close();
  return err;
}

std::string SyslogConnection::connectTcp(Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const std::string port = std::to_string(spec_.port);
  const int gai = ::getaddrinfo(spec_.host.c_str(), port.c_str(), &hints, &list);
  if (gai != 0) return "cannot resolve " + spec_.host + ": " + gai_strerror(gai);
  std::string err = "no address";
  for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
    fd_.reset(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd_) {
      err = "socket: " + errnoText(errno);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_USER_TIMEOUT, &kUserTimeoutMs, sizeof kUserTimeoutMs);
    int rc = ::connect(fd_.get(), a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      if (waitFor(POLLOUT, deadline)) {
        int soErr = 0;
        socklen_t len = sizeof soErr;
        ::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &soErr, &len);
        rc = soErr == 0 ? 0 : -1;
        errno = soErr;
      } else {
        rc = -1;
        errno = ETIMEDOUT;
      }
    }
    if (rc == 0) break;
    err = errnoText(errno);
    fd_.reset();
  }
  ::freeaddrinfo(list);
  return fd_ ? std::string() : err;
}

std::string SyslogConnection::handshake(Clock::time_point deadline) {
  int rc = gnutls_init(&session_, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
  if (rc < 0) return "tls: " + tlsText(rc);
  const std::string& name = spec_.serverName.empty() ? spec_.host : spec_.serverName;
  rc = gnutls_set_default_priority(session_);
  if (rc >= 0) rc = gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, cred_);
  // SNI only carries DNS names (RFC 6066); verification checks the name or the IP address.
  if (rc >= 0 && !isIpLiteral(name))
    rc = gnutls_server_name_set(session_, GNUTLS_NAME_DNS, name.data(), name.size());
  if (rc < 0) return "tls: " + tlsText(rc);
  gnutls_session_set_verify_cert(session_, name.c_str(), 0);
  gnutls_transport_set_ptr(session_, reinterpret_cast<gnutls_transport_ptr_t>(intptr_t(fd_.get())));
  gnutls_transport_set_push_function(session_, pushNoSignal);
  for (;;) {
    rc = gnutls_handshake(session_);
    if (rc == GNUTLS_E_SUCCESS) return {};
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
      const short ev = gnutls_record_get_direction(session_) == 1 ? POLLOUT : POLLIN;
      if (!waitFor(ev, deadline)) return "tls handshake timed out";
      continue;
    }
    if (gnutls_error_is_fatal(rc) == 0) continue;
    if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
      const unsigned status = gnutls_session_get_verify_cert_status(session_);
      gnutls_datum_t text{};
      std::string why = "certificate verification failed";
      if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0) {
        why = "server certificate not accepted for '" + name +
              "': " + std::string(reinterpret_cast<const char*>(text.data), text.size);
        gnutls_free(text.data);
      }
      return "tls: " + why;
    }
    return "tls handshake: " + tlsText(rc);
  }
}

bool SyslogConnection::peerGone() {
  if (!fd_) return true;
  pollfd p{fd_.get(), POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if ((p.revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0) {
    error_ = "the server closed the connection";
    return true;
  }
  char buf[4096];
  if (session_ != nullptr) {
    // TLS 1.3 servers send session tickets after the handshake: reading consumes them.
    const ssize_t rc = gnutls_record_recv(session_, buf, sizeof buf);
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED || rc > 0) return false;
    error_ = rc == 0 ? "the server closed the connection" : "tls: " + tlsText(int(rc));
    return true;
  }
  const ssize_t rc = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
  if (rc > 0 || (rc < 0 && (errno == EAGAIN || errno == EINTR))) return false;
  error_ = rc == 0 ? "the server closed the connection" : errnoText(errno);
  return true;
}

ssize_t SyslogConnection::writeSome(const char* data, std::size_t n) {
  if (session_ != nullptr) {
    const ssize_t rc = gnutls_record_send(session_, data, n);
    if (rc >= 0) return rc;
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) return 0;
    error_ = "tls: " + tlsText(int(rc));
    return -1;
  }
  const ssize_t rc = ::send(fd_.get(), data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (rc >= 0) return rc;
  if (errno == EAGAIN || errno == EINTR) return 0;
  error_ = errnoText(errno);
  return -1;
}

bool SyslogConnection::waitWritable(std::chrono::milliseconds timeout) {
  return waitFor(POLLOUT, Clock::now() + timeout);
}

}  // namespace ncxdp
