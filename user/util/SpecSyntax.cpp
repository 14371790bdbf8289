#include "util/SpecSyntax.h"

namespace ncxdp {

HostPort splitHostPort(std::string_view s) {
  HostPort out;
  if (!s.empty() && s.front() == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos)
      throw std::runtime_error("unterminated '[' in '" + std::string(s) + "'");
    out.host = s.substr(1, close - 1);
    out.bracketed = true;
    const std::string_view after = s.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        throw std::runtime_error("expected ':PORT' after ']' in '" + std::string(s) + "'");
      out.port = after.substr(1);
      out.hasPort = true;
    }
    return out;
  }
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos && s.find(':', colon + 1) != std::string_view::npos) {
    out.host = s;  // bareIpv6()
    return out;
  }
  out.host = s.substr(0, colon);
  if (colon != std::string_view::npos) {
    out.port = s.substr(colon + 1);
    out.hasPort = true;
  }
  return out;
}

bool isPlainHost(std::string_view host) {
  for (char c : host)
    if (c == '/' || c == '@' || c == ' ' || c == '?' || c == '&' || c == '[' || c == ']') return false;
  return true;
}

}  // namespace ncxdp
