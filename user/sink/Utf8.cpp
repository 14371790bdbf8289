#include "sink/Utf8.h"

#include <cstring>

namespace ncxdp {

bool isValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Kernel text is almost all ASCII: skip it eight bytes at a time.
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const Utf8Char c = decodeUtf8(p + i, n - i);
    if (!c.valid) return false;
    i += c.length;
  }
  return true;
}

}  // namespace ncxdp
