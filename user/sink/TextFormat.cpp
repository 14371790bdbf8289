#include "sink/TextFormat.h"

#include <charconv>

#include "sink/Utf8.h"

namespace ncxdp {

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::size_t kLevelWidth = 6;  // "notice", the longest level name
constexpr std::string_view kReset = "\x1b[0m";

void appendU64(std::uint64_t v, std::string& out) {
  char buf[20];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void appendByteEscape(unsigned char c, std::string& out) {
  const char buf[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
  out.append(buf, 4);
}

// Valid characters a terminal could act on, or that reorder or break what the reader sees.
bool escapedCodePoint(std::uint32_t cp) {
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

std::string_view levelColour(int level) {
  switch (level) {
    case 0:
    case 1:
    case 2:
      return "\x1b[1;31m";  // emerg, alert, crit: bold red
    case 3:
      return "\x1b[31m";
    case 4:
      return "\x1b[33m";
    case 5:
      return "\x1b[1m";
    case 7:
      return "\x1b[2m";
    default:
      return {};  // info and unknown: the terminal's default
  }
}

void appendPadded(std::string_view s, std::string& out) {
  out += s;
  if (s.size() < kLevelWidth) out.append(kLevelWidth - s.size(), ' ');
}

// The kernel's own "[%5lu.%06lu]" rendering of a timestamp.
void appendKernelTime(std::uint64_t usec, std::string& out) {
  char buf[32];
  char* end = std::to_chars(buf, buf + 20, usec / 1'000'000).ptr;
  const std::size_t digits = static_cast<std::size_t>(end - buf);
  out += '[';
  if (digits < 5) out.append(5 - digits, ' ');
  out.append(buf, digits);
  out += '.';
  std::uint64_t frac = usec % 1'000'000;
  for (int i = 5; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  out.append(buf, 6);
  out += ']';
}

}  // namespace

void TextFormat::appendEscaped(std::string_view s, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t run = 0;
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const Utf8Char u = decodeUtf8(p + i, n - i);
      const bool c1 = u.valid && u.codePoint <= 0x9f;
      if (u.valid && !c1 && !escapedCodePoint(u.codePoint)) {
        i += u.length;
        continue;
      }
      out.append(s.data() + run, i - run);
      if (u.valid && !c1) {
        out += "\\u{";
        char buf[8];
        out.append(buf, std::to_chars(buf, buf + sizeof buf, u.codePoint, 16).ptr);
        out += '}';
      } else {
        // Invalid sequences and C1 controls: every byte, so the exact input stays readable.
        for (std::size_t k = 0; k < u.length; ++k) appendByteEscape(p[i + k], out);
      }
      i += u.length;
      run = i;
      continue;
    }
    out.append(s.data() + run, i - run);
    if (c == '\\')
      out += "\\\\";
    else
      appendByteEscape(c, out);
    ++i;
    run = i;
  }
  out.append(s.data() + run, n - run);
}

void TextFormat::append(const Record& record, std::string& out) {
  timestamp_.appendRfc3339(record.recvTsUs, out);
  out += ' ';
  if (showSource_) {
    out += sourceText_.of(record.src);
    out += ' ';
  }
  if (record.kind == RecordKind::Gap)
    appendGap(record, out);
  else
    appendMessage(record, out);
}

void TextFormat::appendGap(const Record& record, std::string& out) {
  if (colour_) out += "\x1b[1;35m";
  appendPadded("GAP", out);
  out += ' ';
  out += record.gapField == GapField::Msgid ? "msgid " : "seq ";
  appendU64(record.gapFrom, out);
  out += "..";
  appendU64(record.gapTo, out);
  out += " missing (";
  appendU64(gapCount(record), out);
  out += ')';
  if (colour_) out += kReset;
  out += '\n';
}

void TextFormat::appendMessage(const Record& record, std::string& out) {
  const std::string_view colour = colour_ ? levelColour(record.level) : std::string_view{};
  out += colour;
  appendPadded(levelName(record.level), out);
  out += ' ';
  if (record.tsUsec) {
    appendKernelTime(*record.tsUsec, out);
    out += ' ';
  }
  appendEscaped(record.text, out);

  if (!record.dict.empty()) {
    out += " {";
    bool first = true;
    for (const KeyValue& kv : record.dict) {
      if (!first) out += ", ";
      first = false;
      appendEscaped(kv.key, out);
      out += '=';
      appendEscaped(kv.value, out);
    }
    out += '}';
  }

  // Metadata that has no column: only what was actually sent.
  const std::size_t metaStart = out.size();
  auto item = [&](std::string_view label) {
    out += out.size() == metaStart ? " (" : " ";
    out += label;
  };
  if (record.seq) {
    item("seq=");
    appendU64(*record.seq, out);
  }
  if (record.msgid) {
    item("msgid=");
    appendU64(*record.msgid, out);
  }
  if (!record.caller.empty()) {
    item("caller=");
    appendEscaped(record.caller, out);
  }
  if (record.release) {
    item("release=");
    appendEscaped(*record.release, out);
  }
  if (record.facility > 0) {
    item("fac=");
    appendU64(static_cast<std::uint64_t>(record.facility), out);
  }
  if (record.cont) item("cont");
  if (record.dump != 0) {
    item("dump=");
    appendU64(record.dump, out);
  }
  if (out.size() != metaStart) out += ')';

  if (record.incomplete) {
    out += " (incomplete";
    bool first = true;
    for (const ByteRange& r : record.missing) {
      out += first ? ": missing " : ", ";
      first = false;
      appendU64(r.begin, out);
      out += '-';
      appendU64(r.end, out);
    }
    out += ')';
  }
  if (!colour.empty()) out += kReset;
  out += '\n';
}

}  // namespace ncxdp
