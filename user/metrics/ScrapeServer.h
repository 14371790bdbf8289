// The HTTP side of `--metrics`: answers GET /metrics (and HEAD) so that no client can delay
// another's scrape. prometheus-cpp's exposer (civetweb) gives each connection a worker thread
// until the request arrives or 30 s pass, so one idle connection per thread blinded monitoring
// (issue 13). Here one thread serves every connection from poll() with non-blocking sockets:
// an idle or slow client costs a descriptor and a small buffer, never a turn. Each connection
// must deliver its request within requestTimeout and take its response within responseTimeout;
// when maxConnections are open, a new connection closes the oldest one still waiting for its
// request. One request per connection (Connection: close), as Prometheus handles fine.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "util/UniqueFd.h"

namespace ncxdp {

class ScrapeServer {
 public:
  struct Limits {
    std::size_t maxConnections = 256;
    std::chrono::milliseconds requestTimeout{5000};
    std::chrono::milliseconds responseTimeout{10000};
    std::size_t maxRequestBytes = 8192;
  };
  // Connections closed without a response, by why; and the scrapes served.
  struct Stats {
    std::uint64_t scrapes = 0;
    std::uint64_t timedOut = 0;     // request or response not done in time
    std::uint64_t evicted = 0;      // closed to make room at maxConnections
    std::uint64_t badRequests = 0;  // not HTTP, too large, another path or method (answered 4xx)
  };
  // The body of a scrape, called on the server thread for each GET with the counters as they are
  // (this scrape included).
  using Render = std::function<std::string(const Stats&)>;

  // address: "IPV4:PORT" or "[IPV6]:PORT" (MetricsEndpoint::parseAddress). Binds and listens
  // now, then serves on its own thread. Throws std::runtime_error naming the address and errno.
  ScrapeServer(const std::string& address, Render render, Limits limits);
  ScrapeServer(const std::string& address, Render render)
      : ScrapeServer(address, std::move(render), Limits{}) {}
  // Stops the thread and closes every connection.
  ~ScrapeServer();
  ScrapeServer(const ScrapeServer&) = delete;
  ScrapeServer& operator=(const ScrapeServer&) = delete;

  std::uint16_t port() const { return port_; }
  Stats stats() const;

 private:
  void run();

  Render render_;
  Limits limits_;
  UniqueFd listenFd_;
  UniqueFd stopFd_;  // eventfd: the destructor wakes poll()
  std::uint16_t port_ = 0;
  std::atomic<std::uint64_t> scrapes_{0};
  std::atomic<std::uint64_t> timedOut_{0};
  std::atomic<std::uint64_t> evicted_{0};
  std::atomic<std::uint64_t> badRequests_{0};
  std::thread thread_;
};

}  // namespace ncxdp
