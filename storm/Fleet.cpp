#include "storm/Fleet.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace ncxdp::storm {

std::string_view hostKindName(HostKind kind) {
  switch (kind) {
    case HostKind::Extended61:
      return "extended-6.1";
    case HostKind::Extended618:
      return "extended-6.18";
    case HostKind::Plain:
      return "plain";
  }
  return "?";
}

FormatMix parseFormatMix(std::string_view text) {
  if (text == "extended") return FormatMix::Extended;
  if (text == "plain") return FormatMix::Plain;
  if (text == "mixed") return FormatMix::Mixed;
  throw std::invalid_argument("unknown format mix '" + std::string(text) +
                              "' (want extended, plain or mixed)");
}

namespace {

HostKind kindOf(FormatMix mix, std::size_t i) {
  switch (mix) {
    case FormatMix::Extended:
      return i % 2 == 0 ? HostKind::Extended61 : HostKind::Extended618;
    case FormatMix::Plain:
      return HostKind::Plain;
    case FormatMix::Mixed:
      break;
  }
  // Two fifths 6.1, two fifths 6.18, one fifth plain: most fleets run extended targets.
  const std::size_t r = i % 5;
  return r < 2 ? HostKind::Extended61 : r < 4 ? HostKind::Extended618 : HostKind::Plain;
}

}  // namespace

std::vector<Host> makeFleet(const FleetConfig& config) {
  if (config.hosts == 0) throw std::invalid_argument("need at least one host");
  if (config.portsPerAddress == 0 || config.firstPort == 0 ||
      config.firstPort + config.portsPerAddress - 1 > 0xffff)
    throw std::invalid_argument("bad source port range");
  const std::size_t slash = config.srcNet4.find('/');
  in_addr base4{};
  unsigned prefix = 32;
  if (slash == std::string::npos ||
      inet_pton(AF_INET, config.srcNet4.substr(0, slash).c_str(), &base4) != 1 ||
      std::from_chars(config.srcNet4.data() + slash + 1, config.srcNet4.data() + config.srcNet4.size(),
                      prefix)
              .ec != std::errc() ||
      prefix > 30)
    throw std::invalid_argument("bad --src-net '" + config.srcNet4 +
                                "' (want an IPv4 CIDR like 10.199.0.0/16)");
  in6_addr base6{};
  if (inet_pton(AF_INET6, config.srcNet6.c_str(), &base6) != 1)
    throw std::invalid_argument("bad --src-net6 '" + config.srcNet6 +
                                "' (want an IPv6 prefix like fd00:199::)");
  const std::uint32_t net4 = ntohl(base4.s_addr) & ~((std::uint64_t(1) << (32 - prefix)) - 1);
  // Network address, receiver (.1) and broadcast are never hosts.
  const std::uint64_t usable4 = (std::uint64_t(1) << (32 - prefix)) - 3;

  const std::size_t addresses = (config.hosts + config.portsPerAddress - 1) / config.portsPerAddress;
  std::vector<Host> out;
  out.reserve(config.hosts);
  std::uint64_t next4 = 0;
  std::uint32_t next6 = 0;
  for (std::size_t a = 0; a < addresses; ++a) {
    const bool v6 = config.v6Every != 0 && a % config.v6Every == config.v6Every - 1;
    Source src;
    if (v6) {
      std::uint8_t addr[16];
      std::memcpy(addr, &base6, 16);
      const std::uint32_t low = 0x100 + next6++;
      for (int b = 0; b < 4; ++b) addr[12 + b] = std::uint8_t(low >> (24 - 8 * b));
      src = Source::ipv6(addr, 0);
    } else {
      if (next4 >= usable4)
        throw std::invalid_argument("--src-net " + config.srcNet4 + " has room for " +
                                    std::to_string(usable4) + " addresses, not " + std::to_string(addresses));
      src = Source::ipv4(htonl(std::uint32_t(net4 + 2 + next4++)), 0);
    }
    for (std::size_t p = 0; p < config.portsPerAddress && out.size() < config.hosts; ++p) {
      Host h;
      h.src = src;
      h.src.port = std::uint16_t(config.firstPort + p);
      h.kind = kindOf(config.formats, out.size());
      h.cpu = std::uint32_t(out.size() % 4);
      out.push_back(h);
    }
  }
  return out;
}

}  // namespace ncxdp::storm
