#include "nats/SubjectToken.h"

#include <algorithm>

namespace ncxdp {

namespace {
constexpr char kHex[] = "0123456789abcdef";

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

void appendSubjectToken(std::string_view text, std::string& out) {
  for (char c : text) {
    if (isAlnum(c)) {
      out += c;
    } else if (c == '.') {
      out += '_';
    } else if (c == ':') {
      out += '-';
    } else if (c == '[' || c == ']') {
      // Brackets only ever surround an IPv6 address, which the count of '-' already tells.
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '~';
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    }
  }
}

std::string subjectToken(std::string_view text) {
  std::string out;
  appendSubjectToken(text, out);
  return out;
}

std::string sourceFromToken(std::string_view token) {
  if (token.empty() || token.find('~') != std::string_view::npos) return {};
  const auto dashes = std::count(token.begin(), token.end(), '-');
  const std::size_t portAt = token.rfind('-');
  if (dashes == 0 || portAt + 1 >= token.size()) return {};
  std::string addr;
  for (char c : token.substr(0, portAt)) addr += c == '_' ? '.' : c == '-' ? ':' : c;
  const std::string port(token.substr(portAt + 1));
  return dashes == 1 ? addr + ":" + port : "[" + addr + "]:" + port;
}

}  // namespace ncxdp
