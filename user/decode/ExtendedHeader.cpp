#include "decode/ExtendedHeader.h"

#include <limits>

namespace ncxdp {

namespace {

bool parseU64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const std::uint64_t d = std::uint64_t(c - '0');
    // 19 digits always fit in 64 bits; only a 20th can overflow, so only then pay for a division
    // (every header has seq and timestamp: this runs for ~20 digits per datagram).
    if (s.size() == 20 && v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

bool isFlag(std::string_view s) {
  return s.size() == 1 && (s[0] == '-' || s[0] == 'c' || s[0] == '+');
}

// A kernel release: printable, no separators, not only digits (then it would be a priority).
bool isRelease(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  bool nonDigit = false;
  for (char c : s) {
    if (c <= ' ' || c >= 0x7f || c == ',' || c == ';' || c == '=') return false;
    if (c < '0' || c > '9') nonDigit = true;
  }
  return nonDigit;
}

// Splits off the next comma-separated field.
std::string_view nextField(std::string_view& rest, bool& more) {
  auto comma = rest.find(',');
  std::string_view field = rest.substr(0, comma);
  more = comma != std::string_view::npos;
  rest = more ? rest.substr(comma + 1) : std::string_view{};
  return field;
}

}  // namespace

bool parseExtendedHeaderFields(std::string_view header, ExtendedHeader& out) {
  out = ExtendedHeader{};
  std::string_view rest = header;
  bool more = true;
  std::string_view f[5];
  int have = 0;
  while (have < 5 && more) f[have++] = nextField(rest, more);
  if (have < 4) return false;

  int base = 0;
  if (isFlag(f[3])) {
    base = 0;
    // Five fields read but the header ended at the flag: put the fifth back as an extra field.
    if (have == 5) {
      rest = header.substr(std::size_t(f[4].data() - header.data()));
      more = true;
    }
  } else if (have == 5 && isFlag(f[4]) && isRelease(f[0])) {
    out.release = f[0];
    base = 1;
  } else {
    return false;
  }
  std::uint64_t prio = 0;
  if (!parseU64(f[base], prio) || prio > 0x7fffffff) return false;
  if (!parseU64(f[base + 1], out.seq) || !parseU64(f[base + 2], out.tsUsec)) return false;
  out.prio = std::uint32_t(prio);
  out.cont = f[base + 3][0] != '-';

  out.keyHead = header;
  out.keyTail = {};
  while (more) {
    std::string_view field = nextField(rest, more);
    if (field.substr(0, 7) == "caller=") {
      out.caller = field.substr(7);
    } else if (field.substr(0, 7) == "ncfrag=") {
      std::string_view v = field.substr(7);
      auto slash = v.find('/');
      std::uint64_t off = 0, total = 0;
      if (slash == std::string_view::npos || !parseU64(v.substr(0, slash), off) ||
          !parseU64(v.substr(slash + 1), total) || total == 0 || off >= total || total > 0xffffffffu)
        return false;
      out.fragmented = true;
      out.fragOffset = std::uint32_t(off);
      out.fragTotal = std::uint32_t(total);
      // The key is the header with this field (and its leading comma) cut out.
      std::size_t fieldStart = std::size_t(field.data() - header.data());
      out.keyHead = header.substr(0, fieldStart - 1);
      out.keyTail = header.substr(fieldStart + field.size());
    } else if (field.substr(0, 11) == "ncxdp_dump=") {
      // A malformed number leaves the field unknown (ignored) rather than the header invalid.
      std::uint64_t n = 0;
      if (parseU64(field.substr(11), n)) out.dump = n;
    }
    // Unknown fields are ignored, as the kernel documentation asks of receivers.
  }
  return true;
}

namespace {

// An optionally signed run of digits, of any length: what a number field looks like to a sender
// that got it wrong (a negative seq, a priority past 2^31).
bool isNumberLike(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

bool looksLikeExtendedHeader(std::string_view payload) {
  std::string_view window = payload.substr(0, kMaxExtendedHeader);
  const auto semi = window.find(';');
  if (semi == std::string_view::npos) return false;
  std::string_view rest = window.substr(0, semi);
  if (rest.find('\n') != std::string_view::npos) return false;
  bool more = true;
  std::string_view f[5];
  int have = 0;
  while (have < 5 && more) f[have++] = nextField(rest, more);
  int base = -1;
  if (have >= 4 && isFlag(f[3]))
    base = 0;
  else if (have == 5 && isFlag(f[4]) && isRelease(f[0]))
    base = 1;
  if (base < 0) return false;
  return isNumberLike(f[base]) && isNumberLike(f[base + 1]) && isNumberLike(f[base + 2]);
}

bool parseExtendedHeader(std::string_view payload, ExtendedHeader& out, std::size_t& bodyOffset) {
  std::string_view window = payload.substr(0, kMaxExtendedHeader);
  auto semi = window.find(';');
  if (semi == std::string_view::npos) return false;
  // A newline before the ';' means this is text, not a header.
  if (window.substr(0, semi).find('\n') != std::string_view::npos) return false;
  if (!parseExtendedHeaderFields(payload.substr(0, semi), out)) return false;
  bodyOffset = semi + 1;
  return true;
}

}  // namespace ncxdp
