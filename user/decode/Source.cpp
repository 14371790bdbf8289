#include "decode/Source.h"
#include "util/Fnv1a.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string_view>

namespace ncxdp {

namespace {
constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

Source Source::ipv4(std::uint32_t addrBigEndian, std::uint16_t port) {
  Source s;
  std::memcpy(s.addr.data(), kMappedPrefix, 12);
  std::memcpy(s.addr.data() + 12, &addrBigEndian, 4);
  s.port = port;
  return s;
}

Source Source::ipv6(const std::uint8_t addr[16], std::uint16_t port) {
  Source s;
  std::memcpy(s.addr.data(), addr, 16);
  s.port = port;
  return s;
}

bool Source::fromSockaddr(const sockaddr* sa, Source& out) {
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    out = ipv4(in->sin_addr.s_addr, ntohs(in->sin_port));
    return true;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    out = ipv6(in6->sin6_addr.s6_addr, ntohs(in6->sin6_port));
    return true;
  }
  return false;
}

bool Source::parse(std::string_view text, Source& out) {
  std::string host;
  std::string_view portText;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host.assign(text.substr(1, close - 1));
    portText = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    host.assign(text.substr(0, colon));
    portText = text.substr(colon + 1);
  }
  if (portText.empty() || portText.size() > 5) return false;
  unsigned port = 0;
  for (char c : portText) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + unsigned(c - '0');
  }
  if (port > 65535) return false;
  in_addr a4;
  in6_addr a6;
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1) {
    out = ipv4(a4.s_addr, std::uint16_t(port));
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
    out = ipv6(a6.s6_addr, std::uint16_t(port));
    return true;
  }
  return false;
}

bool Source::isV4() const {
  return std::memcmp(addr.data(), kMappedPrefix, 12) == 0;
}

std::size_t Source::format(char* buf) const {
  char host[INET6_ADDRSTRLEN];
  std::size_t n = 0;
  if (isV4()) {
    // By hand: inet_ntop goes through sprintf, which cost more than the rest of a JSON line when
    // a storm interleaves thousands of sources (so no per-source cache helps).
    for (int i = 0; i < 4; ++i) {
      const unsigned b = addr[12 + i];
      if (b >= 100) buf[n++] = char('0' + b / 100);
      if (b >= 10) buf[n++] = char('0' + b / 10 % 10);
      buf[n++] = char('0' + b % 10);
      if (i < 3) buf[n++] = '.';
    }
  } else {
    inet_ntop(AF_INET6, addr.data(), host, sizeof host);
    buf[n++] = '[';
    std::size_t h = std::strlen(host);
    std::memcpy(buf + n, host, h);
    n += h;
    buf[n++] = ']';
  }
  buf[n++] = ':';
  char digits[5];
  int d = 0;
  unsigned p = port;
  do {
    digits[d++] = char('0' + p % 10);
    p /= 10;
  } while (p != 0);
  while (d > 0) buf[n++] = digits[--d];
  return n;
}

std::string Source::toString() const {
  char buf[kMaxText];
  return std::string(buf, format(buf));
}

std::string Source::fileName() const {
  char host[INET6_ADDRSTRLEN];
  if (isV4())
    inet_ntop(AF_INET, addr.data() + 12, host, sizeof host);
  else
    inet_ntop(AF_INET6, addr.data(), host, sizeof host);
  return std::string(host) + "_" + std::to_string(port);
}

std::size_t SourceHash::operator()(const Source& s) const noexcept {
  // FNV-1a over the 18 key bytes: cheap, and sources are not attacker-chosen hash-flooding input
  // beyond what the source cap already bounds.
  Fnv1a h;
  h.add(s.addr).add(std::uint8_t(s.port & 0xff)).add(std::uint8_t(s.port >> 8));
  return std::size_t(h.value());
}

}  // namespace ncxdp
