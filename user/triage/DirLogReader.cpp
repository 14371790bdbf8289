#include "triage/DirLogReader.h"

#include <charconv>

#include "decode/Rfc3339.h"

namespace ncxdp {

namespace {

constexpr std::size_t kLevelWidth = 6;  // the text format pads level names to "notice"

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// The metadata group ncxdp appends: "(seq=339 msgid=1 caller=T42 release=6.12.0 fac=1 cont)".
bool isMetaGroup(std::string_view inner) {
  if (inner.empty()) return false;
  std::size_t i = 0;
  while (i < inner.size()) {
    std::size_t j = inner.find(' ', i);
    if (j == std::string_view::npos) j = inner.size();
    const std::string_view item = inner.substr(i, j - i);
    const bool ok = item == "cont" || (item.substr(0, 4) == "seq=" && isDigits(item.substr(4))) ||
                    (item.substr(0, 6) == "msgid=" && isDigits(item.substr(6))) ||
                    (item.substr(0, 4) == "fac=" && isDigits(item.substr(4))) ||
                    (item.substr(0, 7) == "caller=" && item.size() > 7) ||
                    (item.substr(0, 8) == "release=" && item.size() > 8);
    if (!ok) return false;
    i = j + 1;
  }
  return true;
}

// The dictionary group: "{SUBSYSTEM=pci, DEVICE=+pci:0000:00:19.0}": every item has a key and '='.
bool isDictGroup(std::string_view inner) {
  if (inner.empty()) return false;
  std::size_t i = 0;
  while (i <= inner.size()) {
    std::size_t j = inner.find(", ", i);
    if (j == std::string_view::npos) j = inner.size();
    const std::string_view item = inner.substr(i, j - i);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    i = j + 2;
  }
  return true;
}

}  // namespace

std::optional<Source> DirLogReader::sourceFromFileName(std::string_view name) {
  if (name.size() < 5 || name.substr(name.size() - 4) != ".log") return std::nullopt;
  name.remove_suffix(4);
  const std::size_t us = name.rfind('_');
  if (us == std::string_view::npos) return std::nullopt;
  const std::string_view addr = name.substr(0, us);
  const std::string_view port = name.substr(us + 1);
  std::string text;
  if (addr.find(':') != std::string_view::npos) {
    text = "[" + std::string(addr) + "]:" + std::string(port);
  } else {
    text = std::string(addr) + ":" + std::string(port);
  }
  Source src;
  if (!Source::parse(text, src)) return std::nullopt;
  return src;
}

void DirLogReader::unescape(std::string_view in, std::string& out) {
  out.clear();
  std::size_t i = 0;
  while (i < in.size()) {
    const char c = in[i];
    if (c != '\\' || i + 1 >= in.size()) {
      out += c;
      ++i;
      continue;
    }
    const char n = in[i + 1];
    if (n == '\\') {
      out += '\\';
      i += 2;
    } else if (n == 'x' && i + 3 < in.size() && hexValue(in[i + 2]) >= 0 && hexValue(in[i + 3]) >= 0) {
      out += static_cast<char>(hexValue(in[i + 2]) << 4 | hexValue(in[i + 3]));
      i += 4;
    } else if (n == 'u' && i + 2 < in.size() && in[i + 2] == '{') {
      const std::size_t close = in.find('}', i + 3);
      std::uint32_t cp = 0;
      const char* first = in.data() + i + 3;
      const char* last = close == std::string_view::npos ? first : in.data() + close;
      const auto res = std::from_chars(first, last, cp, 16);
      if (close == std::string_view::npos || res.ptr != last || cp > 0x10ffff) {
        out += c;
        ++i;
        continue;
      }
      appendUtf8(cp, out);
      i = close + 1;
    } else {
      out += c;
      ++i;
    }
  }
}

bool DirLogReader::parse(std::string_view line, const Source& src, Record& out, std::string& why) {
  out = Record{};
  out.src = src;
  const std::size_t sp = line.find(' ');
  const auto recv = sp == std::string_view::npos ? std::nullopt : parseRfc3339Us(line.substr(0, sp));
  if (!recv) {
    why = "no RFC 3339 time at the start";
    return false;
  }
  out.recvTsUs = *recv;
  std::string_view rest = line.substr(sp + 1);
  if (rest.substr(0, 4) == "GAP ") {
    out.kind = RecordKind::Gap;
    return true;
  }
  if (rest.size() < kLevelWidth + 1 || rest[kLevelWidth] != ' ') {
    why = "no level column";
    return false;
  }
  std::string_view level = rest.substr(0, kLevelWidth);
  while (!level.empty() && level.back() == ' ') level.remove_suffix(1);
  for (int l = 0; l <= 7; ++l)
    if (levelName(l) == level) out.level = l;
  rest.remove_prefix(kLevelWidth + 1);

  // "[   12.345678] "
  if (rest.size() >= 15 && rest[0] == '[') {
    const std::size_t close = rest.find("] ");
    const std::size_t dot = rest.find('.');
    if (close != std::string_view::npos && dot < close && close - dot == 7) {
      std::string_view secs = rest.substr(1, dot - 1);
      while (!secs.empty() && secs.front() == ' ') secs.remove_prefix(1);
      std::uint64_t s = 0, us = 0;
      const std::string_view frac = rest.substr(dot + 1, 6);
      if (std::from_chars(secs.data(), secs.data() + secs.size(), s).ptr == secs.data() + secs.size() &&
          std::from_chars(frac.data(), frac.data() + frac.size(), us).ptr == frac.data() + frac.size()) {
        out.tsUsec = s * 1'000'000 + us;
        rest.remove_prefix(close + 2);
      }
    }
  }

  // Suffix groups, last first: " (incomplete...)", " (meta)", " {dict}".
  if (rest.size() > 13 && rest.back() == ')') {
    const std::size_t open = rest.rfind(" (incomplete");
    if (open != std::string_view::npos) {
      out.incomplete = true;
      rest = rest.substr(0, open);
    }
  }
  if (!rest.empty() && rest.back() == ')') {
    const std::size_t open = rest.rfind(" (");
    if (open != std::string_view::npos) {
      const std::string_view inner = rest.substr(open + 2, rest.size() - open - 3);
      if (isMetaGroup(inner)) {
        std::size_t i = 0;
        while (i < inner.size()) {
          std::size_t j = inner.find(' ', i);
          if (j == std::string_view::npos) j = inner.size();
          const std::string_view item = inner.substr(i, j - i);
          if (item.substr(0, 4) == "seq=") {
            std::uint64_t v = 0;
            std::from_chars(item.data() + 4, item.data() + item.size(), v);
            out.seq = v;
          } else if (item.substr(0, 8) == "release=") {
            unescape(item.substr(8), release_);
            out.release = release_;
          } else if (item.substr(0, 7) == "caller=") {
            unescape(item.substr(7), caller_);
            out.caller = caller_;
          } else if (item == "cont") {
            out.cont = true;
          }
          i = j + 1;
        }
        rest = rest.substr(0, open);
      }
    }
  }
  if (!rest.empty() && rest.back() == '}') {
    const std::size_t open = rest.rfind(" {");
    if (open != std::string_view::npos && isDictGroup(rest.substr(open + 2, rest.size() - open - 3)))
      rest = rest.substr(0, open);
  }
  unescape(rest, text_);
  out.text = text_;
  out.format = out.seq ? Format::Extended : Format::Plain;
  return true;
}

}  // namespace ncxdp
