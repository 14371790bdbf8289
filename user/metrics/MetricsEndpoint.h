// `--metrics ADDR:PORT`: serves /metrics over HTTP on its own thread (ScrapeServer), so a slow
// scraper never touches capture and an idle or hostile client never delays another's scrape.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "metrics/ScrapeServer.h"

namespace prometheus {
class Collectable;
}  // namespace prometheus

namespace ncxdp {

class MetricsEndpoint {
 public:
  // Loopback only unless asked: metrics name every sender and are not for the world.
  static constexpr std::string_view kDefaultAddress = "127.0.0.1";
  static constexpr std::uint16_t kDefaultPort = 9666;

  // "ADDR:PORT", "ADDR", ":PORT", "[V6ADDR]:PORT" or "" (all defaults) into the
  // "host:port" form the exposer takes. Throws std::runtime_error naming what is wrong.
  static std::string parseAddress(std::string_view text);

  // Binds now, so a port in use fails at startup. Throws std::runtime_error.
  MetricsEndpoint(const std::string& address, std::shared_ptr<prometheus::Collectable> collectable,
                  ScrapeServer::Limits limits = {});
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // The port actually bound (differs from the request only for port 0).
  std::uint16_t port() const;
  const std::string& address() const { return address_; }

 private:
  // One scrape's text: the collectable's families and the endpoint's own counters.
  std::string render(const ScrapeServer::Stats& st) const;

  std::string address_;
  std::shared_ptr<prometheus::Collectable> collectable_;
  std::unique_ptr<ScrapeServer> server_;  // last: its thread stops before the rest goes
};

}  // namespace ncxdp
