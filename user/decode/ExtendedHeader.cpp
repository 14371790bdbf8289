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

// An optionally signed run of digits, of any length: what a number field looks like to a sender
// that got it wrong (a negative seq, a priority past 2^31). Asked only once a number failed.
bool isNumberLike(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
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

HeaderParse parseExtendedHeaderFields(std::string_view header, ExtendedHeader& out) {
  out = ExtendedHeader{};
  std::string_view rest = header;
  bool more = true;
  std::string_view f[5];
  int have = 0;
  while (have < 5 && more) f[have++] = nextField(rest, more);
  if (have < 4) return HeaderParse::NotHeader;

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
    return HeaderParse::NotHeader;
  }
  std::uint64_t prio = 0;
  if (!parseU64(f[base], prio) || prio > 0x7fffffff || !parseU64(f[base + 1], out.seq) ||
      !parseU64(f[base + 2], out.tsUsec)) {
    // The shape of a header with a value no kernel sends (a negative seq, a priority past 2^31),
    // or plain text that merely has three commas and a flag-like field before a ';'.
    const bool numbers = isNumberLike(f[base]) && isNumberLike(f[base + 1]) && isNumberLike(f[base + 2]);
    return numbers ? HeaderParse::Malformed : HeaderParse::NotHeader;
  }
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
        return HeaderParse::Malformed;
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
  return HeaderParse::Ok;
}

HeaderParse parseExtendedHeader(std::string_view payload, ExtendedHeader& out, std::size_t& bodyOffset) {
  std::string_view window = payload.substr(0, kMaxExtendedHeader);
  auto semi = window.find(';');
  if (semi == std::string_view::npos) return HeaderParse::NotHeader;
  // A newline before the ';' means this is text, not a header.
  if (window.substr(0, semi).find('\n') != std::string_view::npos) return HeaderParse::NotHeader;
  const HeaderParse r = parseExtendedHeaderFields(payload.substr(0, semi), out);
  if (r != HeaderParse::Ok) return r;
  bodyOffset = semi + 1;
  if (out.fragmented) {
    // A body running past the total its own header announces: the header lies, and no message
    // can be trusted to be complete with it. NUL bytes past the end are padding (6.12 pads a
    // payload where its '\n' belongs); anything else is not.
    const std::string_view body = payload.substr(bodyOffset);
    const std::size_t room = out.fragTotal - out.fragOffset;  // the parser made offset < total
    if (body.size() > room && body.substr(room).find_first_not_of('\0') != std::string_view::npos)
      return HeaderParse::Malformed;
  }
  return HeaderParse::Ok;
}

}  // namespace ncxdp
