#include "decode/PlainLine.h"

namespace ncxdp {

namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// "<N>" with N a syslog priority (facility * 8 + level).
bool parsePriority(std::string_view& s, PlainLine& out) {
  if (s.size() < 3 || s[0] != '<') return false;
  std::size_t i = 1;
  std::uint64_t v = 0;
  while (i < s.size() && i <= 10 && isDigit(s[i])) v = v * 10 + std::uint64_t(s[i++] - '0');
  if (i == 1 || i >= s.size() || s[i] != '>' || v > 0x7fffffff) return false;
  out.facility = int(v >> 3);
  out.level = int(v & 7);
  s.remove_prefix(i + 1);
  return true;
}

// "[%5lu.%06lu]": seconds right-aligned in at least five columns, exactly six digits of micros.
bool parseTime(std::string_view& s, PlainLine& out) {
  if (s.size() < 10 || s[0] != '[') return false;
  std::size_t i = 1;
  while (i < s.size() && s[i] == ' ') ++i;
  std::size_t start = i;
  std::uint64_t sec = 0;
  while (i < s.size() && isDigit(s[i]) && i - start < 12) sec = sec * 10 + std::uint64_t(s[i++] - '0');
  if (i == start || i >= s.size() || s[i] != '.') return false;
  ++i;
  if (i + 7 > s.size()) return false;
  std::uint64_t usec = 0;
  for (std::size_t k = 0; k < 6; ++k) {
    if (!isDigit(s[i + k])) return false;
    usec = usec * 10 + std::uint64_t(s[i + k] - '0');
  }
  if (s[i + 6] != ']') return false;
  out.tsUsec = sec * 1000000 + usec;
  s.remove_prefix(i + 7);
  return true;
}

// "[%6s]" holding "T<pid>" or "C<cpu>", right-aligned.
bool parseCaller(std::string_view& s, PlainLine& out) {
  if (s.size() < 4 || s[0] != '[') return false;
  std::size_t i = 1;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || (s[i] != 'T' && s[i] != 'C')) return false;
  std::size_t start = i++;
  std::size_t digits = i;
  while (i < s.size() && isDigit(s[i]) && i - digits < 10) ++i;
  if (i == digits || i >= s.size() || s[i] != ']') return false;
  out.caller = s.substr(start, i - start);
  s.remove_prefix(i + 1);
  return true;
}

}  // namespace

PlainLine parsePlainLine(std::string_view line) {
  PlainLine out;
  std::string_view s = line;
  parsePriority(s, out);
  bool time = parseTime(s, out);
  bool caller = parseCaller(s, out);
  // printk puts one space after the time/caller prefix, none after a bare "<N>".
  if ((time || caller) && !s.empty() && s[0] == ' ') s.remove_prefix(1);
  out.text = s;
  return out;
}

std::uint64_t parseDroppedNotice(std::string_view text) {
  constexpr std::string_view kHead = "** ";
  constexpr std::string_view kTail = " printk messages dropped **";
  if (text.size() < kHead.size() + 1 + kTail.size()) return 0;
  if (text.substr(0, kHead.size()) != kHead) return 0;
  if (text.substr(text.size() - kTail.size()) != kTail) return 0;
  std::string_view num = text.substr(kHead.size(), text.size() - kHead.size() - kTail.size());
  if (num.empty() || num.size() > 18) return 0;
  std::uint64_t n = 0;
  for (char c : num) {
    if (!isDigit(c)) return 0;
    n = n * 10 + std::uint64_t(c - '0');
  }
  return n;
}

}  // namespace ncxdp
