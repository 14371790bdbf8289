#include "decode/Escape.h"

#include <cstring>

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
  // Most text has few escapes: copy the runs between backslashes with memcpy, not byte by byte.
  std::size_t n = 0;
  const char* p = in.data();
  const char* end = p + in.size();
  while (p < end) {
    const char* bs = static_cast<const char*>(std::memchr(p, '\\', std::size_t(end - p)));
    if (bs == nullptr) bs = end;
    std::memcpy(out + n, p, std::size_t(bs - p));
    n += std::size_t(bs - p);
    if (bs == end) break;
    if (end - bs >= 4 && bs[1] == 'x') {
      int hi = hexValue(bs[2]);
      int lo = hexValue(bs[3]);
      if (hi >= 0 && lo >= 0) {
        out[n++] = char((hi << 4) | lo);
        p = bs + 4;
        continue;
      }
    }
    out[n++] = '\\';
    p = bs + 1;
  }
  return n;
}

}  // namespace ncxdp
