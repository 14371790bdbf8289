#include "sink/JsonWriter.h"

#include <charconv>
#include <cstring>

#include "sink/Utf8.h"

namespace ncxdp {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void appendU64(std::uint64_t v, std::string& out) {
  char buf[20];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void appendInt(int v, std::string& out) {
  char buf[12];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void appendUnicodeEscape(std::uint32_t cp, std::string& out) {
  char buf[6] = {'\\',          'u', kHex[(cp >> 12) & 0xf], kHex[(cp >> 8) & 0xf], kHex[(cp >> 4) & 0xf],
                 kHex[cp & 0xf]};
  out.append(buf, 6);
}

// Valid characters that are still escaped: C1 controls (some terminals act on them), bidi
// overrides/isolates (they reorder what a reader sees), and the JavaScript line terminators.
bool escapedCodePoint(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x2028 || cp == 0x2029;
}

// True when any of the 8 bytes at p is a control byte, '"', '\\', DEL or not ASCII.
bool needsAttention(const unsigned char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const auto hasZero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  // Bytes >= 0x80 are caught by the high bit; below 0x20 by the borrow of subtracting 0x20.
  const std::uint64_t control = (w - 0x20 * kOnes) & ~w & kHigh;
  return ((w & kHigh) | control | hasZero(w ^ ('"' * kOnes)) | hasZero(w ^ ('\\' * kOnes)) |
          hasZero(w ^ (0x7f * kOnes))) != 0;
}

void appendNullableU64(const std::optional<std::uint64_t>& v, std::string& out) {
  if (v)
    appendU64(*v, out);
  else
    out += "null";
}

void appendNullableInt(int v, std::string& out) {
  if (v >= 0)
    appendInt(v, out);
  else
    out += "null";
}

}  // namespace

void JsonWriter::appendHex(std::string_view s, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + 2 * s.size());
  char* p = out.data() + start;
  for (unsigned char c : s) {
    *p++ = kHex[c >> 4];
    *p++ = kHex[c & 0xf];
  }
}

bool JsonWriter::appendString(std::string_view s, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  out.push_back('"');
  // Bytes that need no escaping are copied in runs, not one at a time.
  std::size_t run = 0;
  std::size_t i = 0;
  bool valid = true;
  while (i < n) {
    // Eight plain bytes at a time: most kernel text is printable ASCII, and testing a word for
    // "any byte < 0x20, == '"', == '\\' or >= 0x7f" is a handful of instructions (the usual
    // has-zero-byte trick) instead of a branch per byte.
    if (n - i >= 8 && !needsAttention(p + i)) {
      i += 8;
      continue;
    }
    const unsigned char c = p[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const Utf8Char u = decodeUtf8(p + i, n - i);
      if (u.valid && !escapedCodePoint(u.codePoint)) {
        i += u.length;
        continue;
      }
      out.append(s.data() + run, i - run);
      appendUnicodeEscape(u.valid ? u.codePoint : 0xfffd, out);
      valid = valid && u.valid;
      i += u.length;
      run = i;
      continue;
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        appendUnicodeEscape(c, out);
        break;
    }
    ++i;
    run = i;
  }
  out.append(s.data() + run, n - run);
  out.push_back('"');
  return valid;
}

void JsonWriter::appendPrologue(const Record& record, std::string& out) {
  out += "{\"recv_ts\":\"";
  timestamp_.appendRfc3339(record.recvTsUs, out);
  out += '"';
}

void JsonWriter::append(const Record& record, std::string& out) {
  if (record.kind == RecordKind::Gap)
    appendGap(record, out);
  else
    appendMessage(record, out);
}

void JsonWriter::appendGap(const Record& record, std::string& out) {
  appendPrologue(record, out);
  out += ",\"event\":\"gap\",\"src\":\"";
  out += sourceText_.of(record.src);
  out += "\",\"field\":\"";
  out += record.gapField == GapField::Msgid ? "msgid" : "seq";
  out += "\",\"from\":";
  appendU64(record.gapFrom, out);
  out += ",\"to\":";
  appendU64(record.gapTo, out);
  out += ",\"count\":";
  appendU64(gapCount(record), out);
  out += "}\n";
}

void JsonWriter::appendMessage(const Record& record, std::string& out) {
  appendPrologue(record, out);
  out += ",\"src\":\"";
  out += sourceText_.of(record.src);
  out += record.format == Format::Extended ? "\",\"format\":\"extended\"" : "\",\"format\":\"plain\"";
  out += ",\"release\":";
  if (record.release)
    appendString(*record.release, out);
  else
    out += "null";
  out += ",\"facility\":";
  appendNullableInt(record.facility, out);
  out += ",\"level\":";
  appendNullableInt(record.level, out);
  out += ",\"seq\":";
  appendNullableU64(record.seq, out);
  out += ",\"ts_usec\":";
  appendNullableU64(record.tsUsec, out);
  out += record.cont ? ",\"cont\":true" : ",\"cont\":false";
  out += ",\"caller\":";
  if (record.caller.empty())
    out += "null";
  else
    appendString(record.caller, out);
  out += ",\"msgid\":";
  appendNullableU64(record.msgid, out);
  out += ",\"text\":";
  if (!appendString(record.text, out)) {
    out += ",\"text_hex\":\"";
    appendHex(record.text, out);
    out += '"';
  }
  out += ",\"dict\":[";
  bool first = true;
  for (const KeyValue& kv : record.dict) {
    if (!first) out += ',';
    first = false;
    out += '[';
    appendString(kv.key, out);
    out += ',';
    // Values can carry arbitrary bytes (userdata is sent raw); keep them recoverable.
    if (!appendString(kv.value, out)) {
      out += ",\"";
      appendHex(kv.value, out);
      out += '"';
    }
    out += ']';
  }
  out += "],\"incomplete\":";
  if (record.incomplete) {
    out += "true,\"missing\":[";
    first = true;
    for (const ByteRange& r : record.missing) {
      if (!first) out += ',';
      first = false;
      out += '[';
      appendU64(r.begin, out);
      out += ',';
      appendU64(r.end, out);
      out += ']';
    }
    out += ']';
  } else {
    out += "false";
  }
  if (record.dump != 0) {
    out += ",\"dump\":";
    appendU64(record.dump, out);
  }
  out += "}\n";
}

}  // namespace ncxdp
