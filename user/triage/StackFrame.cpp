#include "triage/StackFrame.h"

namespace ncxdp {

namespace {

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool isSymbolChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '_' || c == '.' || c == '$';
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

void trimRight(std::string_view& s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
}

// "net/ipv4/af_inet.c:157": a source position as symbolizers print it.
bool isSourcePosition(std::string_view t) {
  const std::size_t colon = t.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= t.size()) return false;
  for (std::size_t i = colon + 1; i < t.size(); ++i)
    if (!isDigit(t[i])) return false;
  const std::string_view path = t.substr(0, colon);
  return path.find('.') != std::string_view::npos && path.find(' ') == std::string_view::npos;
}

// Address columns before a frame: "[<ffffffff8104a2b3>] ", "[<(ptrval)>] ", ppc64's
// "[c0000000fe9e3b70] [c000000000068df8] ". At most two.
void skipAddressColumns(std::string_view& s) {
  for (int n = 0; n < 2 && s.size() > 2 && s[0] == '['; ++n) {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos || close < 2) return;
    const std::string_view inner = s.substr(1, close - 1);
    const bool bracketed = inner.front() == '<' && inner.back() == '>';
    if (!bracketed) {
      for (char c : inner)
        if (!isHex(c)) return;
    }
    s.remove_prefix(close + 1);
    skipBlanks(s);
  }
}

// "sym[+0xOFF/0xLEN]" at the front of s; the offset is required unless `offsetOptional`.
bool takeSymbol(std::string_view& s, StackFrame& out, bool offsetOptional, bool& hadOffset) {
  std::string_view sym = s;
  std::size_t n = 0;
  while (n < s.size() && isSymbolChar(s[n])) ++n;
  sym = s.substr(0, n);
  // ppc64 ELFv1 prints function descriptors' entry points with a leading '.'.
  // A bare compiler clone suffix (".cold", ".part.0") is not one: it has no function before it.
  if (sym.size() > 1 && sym[0] == '.' && sym[1] != '.' && sym.substr(1, 4) != "cold" &&
      sym.substr(1, 4) != "part" && sym.substr(1, 4) != "isra" && sym.substr(1, 9) != "constprop")
    sym.remove_prefix(1);
  if (sym.empty() || sym[0] == '.' || isDigit(sym[0])) return false;
  s.remove_prefix(n);
  hadOffset = false;
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!takeHexNumber(s) || s.empty() || s[0] != '/') return false;
    s.remove_prefix(1);
    if (!takeHexNumber(s)) return false;
    hadOffset = true;
  } else if (!offsetOptional) {
    return false;
  }
  out.symbol = stripCloneSuffix(sym);
  return true;
}

// " [module]" or " [module buildid]" at the front of s (after blanks).
bool takeModule(std::string_view& s, StackFrame& out) {
  std::string_view t = s;
  skipBlanks(t);
  if (t.empty() || t[0] != '[' || t.starts_with("[inline]")) return true;
  const std::size_t close = t.find(']');
  if (close == std::string_view::npos) return false;
  std::string_view tag = t.substr(1, close - 1);
  // "[module buildid]" with CONFIG_STACKTRACE_BUILD_ID: the build id is per build, drop it.
  tag = tag.substr(0, tag.find(' '));
  if (tag.empty()) return false;
  out.module = tag;
  s = t.substr(close + 1);
  return true;
}

// arm32: "(func) from [<c0123457>] (caller+0x1/0x2)", 3.x "(func+0x0/0x10) from [<...>] (...)";
// a module's function is "(func [mod])".
bool parseArm(std::string_view s, StackFrame& out) {
  const std::size_t from = s.find(") from [<");
  if (from == std::string_view::npos) return false;
  std::string_view inner = s.substr(1, from - 1);
  bool hadOffset = false;
  if (!takeSymbol(inner, out, true, hadOffset)) return false;
  if (!takeModule(inner, out)) return false;
  skipBlanks(inner);
  return inner.empty();
}

bool parseFrame(std::string_view s, StackFrame& out, bool leading) {
  out = {};
  skipBlanks(s);
  trimRight(s);
  bool paren = false;  // s390: "([<000000000041c5a4>] func+0x1/0x2)"
  if (s.size() > 3 && s[0] == '(' && s[1] == '[') {
    paren = true;
    s.remove_prefix(1);
  }
  const bool hadColumns = !s.empty() && s[0] == '[';
  skipAddressColumns(s);
  if (hadColumns && !s.empty() && s[0] == '(') return !leading && parseArm(s, out);
  if (s.size() > 2 && s[0] == '?' && s[1] == ' ') {
    out.unreliable = true;
    s.remove_prefix(2);
  }
  bool hadOffset = false;
  if (!takeSymbol(s, out, true, hadOffset)) return false;
  if (leading) {
    if (!hadOffset && !s.starts_with(" (")) return false;
    takeModule(s, out);
    return true;
  }
  if (!takeModule(s, out)) return false;
  skipBlanks(s);
  if (paren && !s.empty() && s.back() == ')') s.remove_suffix(1);
  trimRight(s);
  // 2.6-4.x WARNING sites end in "()".
  if (s == "()") return hadOffset;
  if (s.empty()) return hadOffset;
  if (s == "(unreliable)") {  // ppc64
    out.unreliable = true;
    return hadOffset;
  }
  // decode_stacktrace.sh: "func (path/file.c:157)", "func (file.c:157 (discriminator 1))", then
  // the module name on module frames.
  if (s[0] == '(') {
    const std::size_t close = s.find(')');
    if (close == std::string_view::npos) return false;
    std::string_view pos = s.substr(1, close - 1);
    if (const std::size_t sp = pos.find(" ("); sp != std::string_view::npos) pos = pos.substr(0, sp);
    if (!isSourcePosition(pos)) return false;
    std::string_view rest = s.substr(s.rfind(')') + 1);
    skipBlanks(rest);
    if (!rest.empty()) {
      if (rest[0] == '[') {
        if (!takeModule(rest, out)) return false;
      } else {
        for (char c : rest)
          if (!isSymbolChar(c) && c != '-') return false;
        out.module = rest;
      }
    }
    return true;
  }
  // Symbolized: "func+0x1/0x2 net/ipv4/af_inet.c:157", "func lib/dump_stack.c:77 [inline]".
  std::string_view pos = s.substr(0, s.find(' '));
  if (!isSourcePosition(pos)) return false;
  std::string_view rest = s.substr(pos.size());
  skipBlanks(rest);
  if (rest == "[inline]") {
    out.inlined = true;
    return true;
  }
  return rest.empty() && hadOffset;
}

}  // namespace

std::string_view stripCloneSuffix(std::string_view symbol) {
  const std::size_t dot = symbol.find('.');
  return dot == std::string_view::npos || dot == 0 ? symbol : symbol.substr(0, dot);
}

bool StackFrame::parse(std::string_view line, StackFrame& out) {
  return parseFrame(line, out, false);
}

bool StackFrame::parseLeading(std::string_view text, StackFrame& out) {
  return parseFrame(text, out, true);
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
