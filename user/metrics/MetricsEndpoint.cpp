#include "metrics/MetricsEndpoint.h"

#include <arpa/inet.h>

#include <charconv>
#include <exception>
#include <stdexcept>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

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
                                 std::shared_ptr<prometheus::Collectable> collectable)
    : address_(address), collectable_(std::move(collectable)) {
  try {
    // One HTTP thread: Prometheus scrapes a target serially, and every thread is one more that
    // competes with capture for the CPU.
    exposer_ = std::make_unique<prometheus::Exposer>(address_, 1);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics on " + address_ + ": " + e.what() +
                             " (is the port in use? pick another with --metrics ADDR:PORT)");
  }
  exposer_->RegisterCollectable(collectable_);
}

MetricsEndpoint::~MetricsEndpoint() = default;

std::uint16_t MetricsEndpoint::port() const {
  const std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : std::uint16_t(ports.front());
}

}  // namespace ncxdp
