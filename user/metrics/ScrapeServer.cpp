#include "metrics/ScrapeServer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "util/ErrnoText.h"
#include "util/ThreadName.h"

namespace ncxdp {

namespace {

using Clock = std::chrono::steady_clock;

// "1.2.3.4:9666" or "[::1]:9666" into a socket address; throws on anything else.
socklen_t parseListenAddress(const std::string& text, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("no port in '" + text + "'");
  std::string host = text.substr(0, colon);
  unsigned port = 0;
  const char* p = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(p, end, port);
  if (ec != std::errc() || stop != end || port > 65535)
    throw std::runtime_error("bad port in '" + text + "'");
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(std::uint16_t(port));
    if (inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) != 1)
      throw std::runtime_error("'" + host + "' is not an IPv6 address");
    return sizeof(sockaddr_in6);
  }
  auto* sin = reinterpret_cast<sockaddr_in*>(&out);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(std::uint16_t(port));
  if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1)
    throw std::runtime_error("'" + host + "' is not an IPv4 address");
  return sizeof(sockaddr_in);
}

struct Connection {
  UniqueFd fd;
  bool responding = false;  // request read, response being written
  Clock::time_point opened;
  Clock::time_point deadline;
  std::string in;
  std::string out;
  std::size_t sent = 0;
};

std::string response(std::string_view status, std::string_view extraHeaders, std::string_view contentType,
                     const std::string& body, bool withBody) {
  std::string r;
  r.reserve(160 + (withBody ? body.size() : 0));
  r += "HTTP/1.1 ";
  r += status;
  r += "\r\nContent-Type: ";
  r += contentType;
  r += "\r\nContent-Length: ";
  r += std::to_string(body.size());
  r += "\r\nConnection: close\r\n";
  r += extraHeaders;
  r += "\r\n";
  if (withBody) r += body;
  return r;
}

}  // namespace

ScrapeServer::ScrapeServer(const std::string& address, Render render, Limits limits)
    : render_(std::move(render)), limits_(limits) {
  sockaddr_storage sa;
  const socklen_t len = parseListenAddress(address, sa);
  listenFd_.reset(::socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listenFd_) throw std::runtime_error("socket: " + errorText(errno));
  const int one = 1;
  ::setsockopt(listenFd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listenFd_.get(), reinterpret_cast<const sockaddr*>(&sa), len) != 0 ||
      ::listen(listenFd_.get(), 128) != 0)
    throw std::runtime_error(errorText(errno));
  sockaddr_storage bound;
  socklen_t boundLen = sizeof bound;
  ::getsockname(listenFd_.get(), reinterpret_cast<sockaddr*>(&bound), &boundLen);
  port_ = ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);  // same offset for IPv6
  stopFd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stopFd_) throw std::runtime_error("eventfd: " + errorText(errno));
  thread_ = std::thread([this] { run(); });
}

ScrapeServer::~ScrapeServer() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(stopFd_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

ScrapeServer::Stats ScrapeServer::stats() const {
  Stats s;
  s.scrapes = scrapes_.load(std::memory_order_relaxed);
  s.timedOut = timedOut_.load(std::memory_order_relaxed);
  s.evicted = evicted_.load(std::memory_order_relaxed);
  s.badRequests = badRequests_.load(std::memory_order_relaxed);
  return s;
}

void ScrapeServer::run() {
  nameThisThread("ncxdp-metrics");
  std::vector<Connection> conns;
  std::vector<pollfd> fds;
  conns.reserve(limits_.maxConnections);
  fds.reserve(limits_.maxConnections + 2);
  char buf[4096];

  auto closeConn = [](Connection& c) { c.fd.reset(); };
  // Sends what the socket takes now; closes the connection once the response is out.
  auto pushOut = [&](Connection& c) {
    while (c.sent < c.out.size()) {
      const ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.sent += std::size_t(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      closeConn(c);  // the client went away
      return;
    }
    ::shutdown(c.fd.get(), SHUT_WR);
    closeConn(c);
  };
  auto respond = [&](Connection& c, Clock::time_point now) {
    // Only the request line matters: GET or HEAD of /metrics, any query string.
    const std::string_view req = c.in;
    const std::string_view line = req.substr(0, req.find_first_of("\r\n"));
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target =
        sp2 == std::string_view::npos ? std::string_view{} : line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version =
        sp2 == std::string_view::npos ? std::string_view{} : line.substr(sp2 + 1);
    const std::string_view path = target.substr(0, target.find('?'));
    const bool head = method == "HEAD";
    if (version.substr(0, 7) != "HTTP/1.") {
      ++badRequests_;
      c.out = response("400 Bad Request", "", "text/plain", "bad request\n", true);
    } else if (method != "GET" && !head) {
      ++badRequests_;
      c.out = response("405 Method Not Allowed", "Allow: GET, HEAD\r\n", "text/plain", "only GET and HEAD\n",
                       true);
    } else if (path != "/metrics") {
      ++badRequests_;
      c.out = response("404 Not Found", "", "text/plain", "metrics are at /metrics\n", !head);
    } else {
      ++scrapes_;
      c.out = response("200 OK", "", "text/plain; version=0.0.4; charset=utf-8", render_(stats()), !head);
    }
    c.in.clear();
    c.in.shrink_to_fit();
    c.responding = true;
    c.deadline = now + limits_.responseTimeout;
    pushOut(c);
  };

  // Out of descriptors, accept() fails while the listening socket stays readable: stop watching
  // it for a moment rather than spin.
  auto acceptPausedUntil = Clock::time_point::min();
  for (;;) {
    fds.clear();
    fds.push_back({stopFd_.get(), POLLIN, 0});
    const bool accepting = Clock::now() >= acceptPausedUntil;
    fds.push_back({listenFd_.get(), short(accepting ? POLLIN : 0), 0});
    auto next = accepting ? Clock::time_point::max() : acceptPausedUntil;
    for (const Connection& c : conns) {
      fds.push_back({c.fd.get(), short(c.responding ? POLLOUT : POLLIN), 0});
      next = std::min(next, c.deadline);
    }
    int timeoutMs = -1;
    if (next != Clock::time_point::max()) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
      timeoutMs = int(std::clamp<long long>(wait, 0, 60'000));
    }
    if (::poll(fds.data(), fds.size(), timeoutMs) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) break;
    const auto now = Clock::now();

    for (std::size_t i = 0; i < conns.size(); ++i) {
      Connection& c = conns[i];
      const short ev = fds[i + 2].revents;
      if (ev == 0) continue;
      if (c.responding) {
        pushOut(c);
        continue;
      }
      for (;;) {
        const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
        if (n > 0) {
          c.in.append(buf, std::size_t(n));
          if (c.in.find("\r\n\r\n") != std::string::npos || c.in.find("\n\n") != std::string::npos) {
            respond(c, now);
            break;
          }
          if (c.in.size() > limits_.maxRequestBytes) {
            ++badRequests_;
            c.out = response("431 Request Header Fields Too Large", "", "text/plain", "request too large\n",
                             true);
            c.responding = true;
            c.deadline = now + limits_.responseTimeout;
            pushOut(c);
            break;
          }
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        closeConn(c);  // closed before sending a whole request, or an error
        break;
      }
    }

    if (fds[1].revents != 0) {
      for (;;) {
        const int fd = ::accept4(listenFd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
          if (errno == EINTR || errno == ECONNABORTED) continue;
          // Out of descriptors: the backlog keeps the rest for later.
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            acceptPausedUntil = now + std::chrono::milliseconds(100);
          break;
        }
        std::size_t open = 0;
        for (const Connection& c : conns) open += c.fd ? 1 : 0;
        if (open >= limits_.maxConnections) {
          // Make room: the oldest connection still silent has had the longest to speak.
          Connection* victim = nullptr;
          for (Connection& c : conns) {
            if (!c.fd) continue;
            if (victim == nullptr || (!c.responding && (victim->responding || c.opened < victim->opened)))
              victim = &c;
          }
          if (victim != nullptr) {
            closeConn(*victim);
            ++evicted_;
          }
        }
        Connection c;
        c.fd.reset(fd);
        c.opened = now;
        c.deadline = now + limits_.requestTimeout;
        conns.push_back(std::move(c));
      }
    }

    for (Connection& c : conns) {
      if (c.fd && c.deadline <= now) {
        closeConn(c);
        ++timedOut_;
      }
    }
    std::erase_if(conns, [](const Connection& c) { return !c.fd; });
  }
  // conns going out of scope closes what is still open.
}

}  // namespace ncxdp
