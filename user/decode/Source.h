// A netconsole sender as the receiver sees it: IP address and UDP source port. Two senders behind
// one address (NAT, several targets on one host) differ by port, so the port is part of identity.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

struct sockaddr;

namespace ncxdp {

struct Source {
  // IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d) so both families share one key.
  std::array<std::uint8_t, 16> addr{};
  std::uint16_t port = 0;  // host byte order

  static Source ipv4(std::uint32_t addrBigEndian, std::uint16_t port);
  static Source ipv6(const std::uint8_t addr[16], std::uint16_t port);
  // From a sockaddr_in / sockaddr_in6 (IPv4-mapped IPv6 is shown as IPv4). Returns false for
  // other families.
  static bool fromSockaddr(const sockaddr* sa, Source& out);
  // Parses "10.0.0.5:6665" or "[fd00::5]:6665".
  static bool parse(std::string_view text, Source& out);

  bool isV4() const;

  // Writes "10.0.0.5:6665" or "[fd00::5]:6665" into buf (no NUL); returns the length.
  // kMaxText is enough for any address and port.
  static constexpr std::size_t kMaxText = 48;
  std::size_t format(char* buf) const;
  std::string toString() const;
  // A name made only of the address and port, safe as a file name: "10.0.0.5_6665",
  // "fd00::5_6665".
  std::string fileName() const;

  friend bool operator==(const Source&, const Source&) = default;
};

struct SourceHash {
  std::size_t operator()(const Source& s) const noexcept;
};

}  // namespace ncxdp
