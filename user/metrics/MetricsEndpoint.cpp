#include "metrics/MetricsEndpoint.h"

#include <arpa/inet.h>

#include <charconv>
#include <exception>
#include <stdexcept>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <sstream>
#include <vector>

#include "metrics/MetricFamilies.h"

namespace ncxdp {

namespace {

std::runtime_error badAddress(std::string_view text, const std::string& why) {
  return std::runtime_error("bad --metrics address '" + std::string(text) + "': " + why +
                            " (want ADDR:PORT, ADDR, :PORT or [IPV6]:PORT)");
}

}  // namespace

std::string MetricsEndpoint::parseAddress(std::string_view text) {
  std::string_view host = text;
  std::string_view port;
  bool v6 = false;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) throw badAddress(text, "missing ']'");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw badAddress(text, "expected ':' after ']'");
      port = rest.substr(1);
      if (port.empty()) throw badAddress(text, "empty port");
    }
    v6 = true;
  } else if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) throw badAddress(text, "an IPv6 address needs brackets");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) throw badAddress(text, "empty port");
  }
  if (host.empty()) host = kDefaultAddress;
  unsigned char buf[16];
  const std::string hostText(host);
  if (inet_pton(v6 ? AF_INET6 : AF_INET, hostText.c_str(), buf) != 1)
    throw badAddress(text, "'" + hostText + "' is not an IPv" + (v6 ? "6" : "4") + " address");
  unsigned value = kDefaultPort;
  if (!port.empty()) {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value > 65535)
      throw badAddress(text, "'" + std::string(port) + "' is not a port number");
  }
  return (v6 ? "[" + hostText + "]" : hostText) + ":" + std::to_string(value);
}

MetricsEndpoint::MetricsEndpoint(const std::string& address,
                                 std::shared_ptr<prometheus::Collectable> collectable,
                                 ScrapeServer::Limits limits)
    : address_(address), collectable_(std::move(collectable)) {
  try {
    server_ = std::make_unique<ScrapeServer>(
        address_, [this](const ScrapeServer::Stats& st) { return render(st); }, limits);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics on " + address_ + ": " + e.what() +
                             " (is the port in use? pick another with --metrics ADDR:PORT)");
  }
}

MetricsEndpoint::~MetricsEndpoint() = default;

std::uint16_t MetricsEndpoint::port() const {
  return server_->port();
}

std::string MetricsEndpoint::render(const ScrapeServer::Stats& st) const {
  std::vector<prometheus::MetricFamily> families = collectable_->Collect();
  // The endpoint's own health: a client flood shows here instead of as missing scrapes.
  MetricFamilies f;
  MetricFamilies::sample(f.counter("ncxdp_metrics_scrapes_total", "Scrapes of /metrics answered"), {},
                         double(st.scrapes));
  prometheus::MetricFamily& closed =
      f.counter("ncxdp_metrics_connections_closed_total",
                "Connections to /metrics closed without a scrape: timeout (no request or unread response in "
                "time), evicted (oldest silent one, to admit a new one), bad_request (answered 4xx)");
  MetricFamilies::sample(closed, {{"reason", "timeout"}}, double(st.timedOut));
  MetricFamilies::sample(closed, {{"reason", "evicted"}}, double(st.evicted));
  MetricFamilies::sample(closed, {{"reason", "bad_request"}}, double(st.badRequests));
  for (prometheus::MetricFamily& family : f.take()) families.push_back(std::move(family));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return std::move(out).str();
}

}  // namespace ncxdp
