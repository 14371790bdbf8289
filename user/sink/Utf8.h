// UTF-8 decoding by the Unicode rules (well-formed byte sequences of Table 3-7), shared by the JSON
// and text sinks: both must replace or escape exactly the invalid parts of wire bytes and nothing
// else, and both must agree on where one invalid part ends ("maximal subpart", Unicode 3.9).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ncxdp {

struct Utf8Char {
  std::uint32_t codePoint = 0;  // meaningful only when valid
  std::uint8_t length = 1;      // bytes consumed: the character, or the maximal invalid subpart (>= 1)
  bool valid = false;
};

// Decodes the character at p[0] (n >= 1). An invalid sequence consumes its maximal subpart: a lead
// byte plus the continuation bytes that were still acceptable, or one byte that cannot start a
// character. Overlongs, surrogates and values above U+10FFFF are invalid.
inline Utf8Char decodeUtf8(const unsigned char* p, std::size_t n) {
  const unsigned char b0 = p[0];
  if (b0 < 0x80) return {b0, 1, true};
  std::size_t need;
  std::uint32_t cp;
  // The allowed range of the second byte is what rules out overlongs, surrogates and > U+10FFFF.
  unsigned char lo = 0x80, hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    need = 1;
    cp = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    cp = b0 & 0x0f;
    if (b0 == 0xe0) lo = 0xa0;
    if (b0 == 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xf0) lo = 0x90;
    if (b0 == 0xf4) hi = 0x8f;
  } else {
    return {0, 1, false};
  }
  for (std::size_t i = 1; i <= need; ++i) {
    if (i >= n || p[i] < lo || p[i] > hi) return {0, static_cast<std::uint8_t>(i), false};
    cp = (cp << 6) | (p[i] & 0x3f);
    lo = 0x80;
    hi = 0xbf;
  }
  return {cp, static_cast<std::uint8_t>(need + 1), true};
}

// True when every byte of s belongs to a well-formed UTF-8 character (NUL included).
bool isValidUtf8(std::string_view s);

}  // namespace ncxdp
