// The syntax that --out nats://... and syslog://... share: "HOST[:PORT]" or "[V6][:PORT]" servers,
// bounded numbers, and "?KEY=VALUE&..." options. Each spec keeps its own keys, defaults and
// messages; this is only the splitting, so both read addresses and options the same way.
#pragma once

#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ncxdp {

// `value` as a T in [min, max]; throws "bad WHAT 'VALUE' (expected MIN-MAX)".
template <typename T>
T boundedNumber(std::string_view what, std::string_view value, T min, T max) {
  T n{};
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min || n > max)
    throw std::runtime_error("bad " + std::string(what) + " '" + std::string(value) + "' (expected " +
                             std::to_string(min) + "-" + std::to_string(max) + ")");
  return n;
}

struct HostPort {
  std::string_view host;  // without brackets
  std::string_view port;  // what followed the ':' (may be empty: "h:")
  bool hasPort = false;
  bool bracketed = false;  // "[V6]"
  // An unbracketed host with more than one ':' (an IPv6 address that needs brackets).
  bool bareIpv6() const { return !bracketed && host.find(':') != std::string_view::npos; }
};

// Splits one server. Throws for an unterminated '[' and for anything but ":PORT" after ']'. An
// unbracketed host with several ':' is returned whole, without a port (see bareIpv6()).
HostPort splitHostPort(std::string_view server);

// False for characters no host name or address has and that would change the spec's meaning.
bool isPlainHost(std::string_view host);

// Calls apply(key, value) for each "KEY=VALUE" of a "K=V&K=V" query; throws for a pair without
// '=' or with an empty key.
template <typename Apply>
void forEachQueryPair(std::string_view query, Apply&& apply) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw std::runtime_error("expected KEY=VALUE after '?', got '" + std::string(pair) + "'");
    apply(pair.substr(0, eq), pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

}  // namespace ncxdp
