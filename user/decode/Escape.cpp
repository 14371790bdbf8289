#include "decode/Escape.h"

namespace ncxdp {

namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::size_t unescapeInto(std::string_view in, char* out) {
  std::size_t n = 0;
  const std::size_t size = in.size();
  for (std::size_t i = 0; i < size; ++i) {
    char c = in[i];
    if (c == '\\' && i + 3 < size && in[i + 1] == 'x') {
      int hi = hexValue(in[i + 2]);
      int lo = hexValue(in[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out[n++] = char((hi << 4) | lo);
        i += 3;
        continue;
      }
    }
    out[n++] = c;
  }
  return n;
}

}  // namespace ncxdp
