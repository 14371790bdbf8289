#include "triage/StackFrame.h"

namespace ncxdp {

namespace {

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isSymbolChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '$';
}

// Consumes "0x" + at least one hex digit from the front of s.
bool takeHexNumber(std::string_view& s) {
  if (s.size() < 3 || s[0] != '0' || s[1] != 'x' || !isHex(s[2])) return false;
  std::size_t i = 2;
  while (i < s.size() && isHex(s[i])) ++i;
  s.remove_prefix(i);
  return true;
}

void skipBlanks(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

}  // namespace

std::string_view stripCloneSuffix(std::string_view symbol) {
  const std::size_t dot = symbol.find('.');
  return dot == std::string_view::npos || dot == 0 ? symbol : symbol.substr(0, dot);
}

bool StackFrame::parse(std::string_view line, StackFrame& out) {
  std::string_view s = line;
  skipBlanks(s);
  // Kernels before 4.x: "[<ffffffff8104a2b3>] " before every frame.
  if (s.size() > 4 && s[0] == '[' && s[1] == '<') {
    const std::size_t close = s.find(">] ");
    if (close == std::string_view::npos) return false;
    s.remove_prefix(close + 3);
  }
  out.unreliable = false;
  if (s.size() > 2 && s[0] == '?' && s[1] == ' ') {
    out.unreliable = true;
    s.remove_prefix(2);
  }
  std::size_t n = 0;
  while (n < s.size() && isSymbolChar(s[n])) ++n;
  if (n == 0 || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')) return false;
  const std::string_view symbol = s.substr(0, n);
  s.remove_prefix(n);
  if (s.empty() || s[0] != '+') return false;
  s.remove_prefix(1);
  if (!takeHexNumber(s) || s.empty() || s[0] != '/') return false;
  s.remove_prefix(1);
  if (!takeHexNumber(s)) return false;
  out.symbol = stripCloneSuffix(symbol);
  out.module = {};
  skipBlanks(s);
  if (!s.empty() && s[0] == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view tag = s.substr(1, close - 1);
    // "[module buildid]" with CONFIG_STACKTRACE_BUILD_ID: the build id is per build, drop it.
    tag = tag.substr(0, tag.find(' '));
    if (tag.empty()) return false;
    out.module = tag;
    s.remove_prefix(close + 1);
    skipBlanks(s);
  }
  return s.empty();
}

void StackFrame::appendTo(std::string& out) const {
  out += symbol;
  if (!module.empty()) {
    out += " [";
    out += module;
    out += ']';
  }
}

}  // namespace ncxdp
