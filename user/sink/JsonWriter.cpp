#include "sink/JsonWriter.h"

#include <charconv>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sink/Utf8.h"

namespace ncxdp {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// JSON text for one string byte is at most 6 bytes (\u00XX, or \ufffd for an invalid byte).
constexpr std::size_t kMaxEscape = 6;
// Keys, punctuation, literals, numbers (20 digits each), timestamp and source of one record.
constexpr std::size_t kFixedBytes = 512;

char* putU64(char* p, std::uint64_t v) {
  return std::to_chars(p, p + 20, v).ptr;
}

char* putInt(char* p, int v) {
  return std::to_chars(p, p + 11, v).ptr;
}

template <std::size_t N>
char* put(char* p, const char (&literal)[N]) {
  std::memcpy(p, literal, N - 1);
  return p + N - 1;
}

char* put(char* p, std::string_view s) {
  // An empty view may have a null data(), which memcpy must not be given even for 0 bytes.
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* putUnicodeEscape(char* p, std::uint32_t cp) {
  p[0] = '\\';
  p[1] = 'u';
  p[2] = kHex[(cp >> 12) & 0xf];
  p[3] = kHex[(cp >> 8) & 0xf];
  p[4] = kHex[(cp >> 4) & 0xf];
  p[5] = kHex[cp & 0xf];
  return p + 6;
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

#if defined(__SSE2__)
// The same test for 16 bytes with SSE2 (baseline on x86-64): a signed compare against 0x20 catches
// both control bytes and every byte >= 0x80.
bool needsAttention16(const unsigned char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i hits = _mm_or_si128(
      _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))),
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  return _mm_movemask_epi8(hits) != 0;
}
#endif

char* putNullableU64(char* p, const std::optional<std::uint64_t>& v) {
  return v ? putU64(p, *v) : put(p, "null");
}

char* putNullableInt(char* p, int v) {
  return v >= 0 ? putInt(p, v) : put(p, "null");
}

char* putHex(char* p, std::string_view s) {
  for (unsigned char c : s) {
    *p++ = kHex[c >> 4];
    *p++ = kHex[c & 0xf];
  }
  return p;
}

// The quoted, escaped string (see JsonWriter::appendString); at most kMaxEscape * size + 2 bytes.
char* putString(char* out, std::string_view s, bool& valid) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  *out++ = '"';
  // Bytes that need no escaping are copied in runs, not one at a time.
  std::size_t run = 0;
  std::size_t i = 0;
  valid = true;
  while (i < n) {
    // Sixteen (SSE2) or eight plain bytes at a time: most kernel text is printable ASCII, and
    // testing a block for "any byte < 0x20, == '"', == '\\' or >= 0x7f" is a handful of
    // instructions instead of a branch per byte.
#if defined(__SSE2__)
    if (n - i >= 16 && !needsAttention16(p + i)) {
      i += 16;
      continue;
    }
#endif
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
      out = put(out, s.substr(run, i - run));
      out = putUnicodeEscape(out, u.valid ? u.codePoint : 0xfffd);
      valid = valid && u.valid;
      i += u.length;
      run = i;
      continue;
    }
    out = put(out, s.substr(run, i - run));
    switch (c) {
      case '"':
        out = put(out, "\\\"");
        break;
      case '\\':
        out = put(out, "\\\\");
        break;
      case '\n':
        out = put(out, "\\n");
        break;
      case '\t':
        out = put(out, "\\t");
        break;
      case '\r':
        out = put(out, "\\r");
        break;
      case '\b':
        out = put(out, "\\b");
        break;
      case '\f':
        out = put(out, "\\f");
        break;
      default:
        out = putUnicodeEscape(out, c);
        break;
    }
    ++i;
    run = i;
  }
  out = put(out, s.substr(run));
  *out++ = '"';
  return out;
}

// Bound for a string that keeps its exact bytes recoverable: when it is not valid UTF-8, its bytes
// follow in hex (",\"text_hex\":\"...\"" for the text, ",\"...\"" in a dictionary pair).
std::size_t maxStringWithHex(std::string_view s) {
  return kMaxEscape * s.size() + 2 + 2 * s.size() + 16;
}

}  // namespace

void JsonWriter::appendHex(std::string_view s, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + 2 * s.size());
  putHex(out.data() + start, s);
}

bool JsonWriter::appendString(std::string_view s, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + kMaxEscape * s.size() + 2);
  bool valid = true;
  char* end = putString(out.data() + start, s, valid);
  out.resize(std::size_t(end - out.data()));
  return valid;
}

std::size_t JsonWriter::maxBytes(const Record& record) {
  std::size_t n = kFixedBytes;
  if (record.kind == RecordKind::Gap) return n;
  if (record.release) n += kMaxEscape * record.release->size() + 2;
  n += kMaxEscape * record.caller.size() + 2;
  n += maxStringWithHex(record.text);
  for (const KeyValue& kv : record.dict) n += kMaxEscape * kv.key.size() + maxStringWithHex(kv.value) + 8;
  // "[begin,end]," per missing range.
  n += record.missing.size() * 24;
  return n;
}

void JsonWriter::append(const Record& record, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + maxBytes(record));
  char* end = write(record, out.data() + start);
  out.resize(std::size_t(end - out.data()));
}

char* JsonWriter::write(const Record& record, char* out) {
  return record.kind == RecordKind::Gap ? writeGap(record, out) : writeMessage(record, out);
}

char* JsonWriter::writePrologue(const Record& record, char* p) {
  p = put(p, "{\"recv_ts\":\"");
  p = timestamp_.writeRfc3339(record.recvTsUs, p);
  *p++ = '"';
  return p;
}

char* JsonWriter::writeGap(const Record& record, char* p) {
  p = writePrologue(record, p);
  p = put(p, ",\"event\":\"gap\",\"src\":\"");
  p = put(p, sourceText_.of(record.src));
  p = put(p, "\",\"field\":\"");
  p = put(p, record.gapField == GapField::Msgid ? std::string_view("msgid") : std::string_view("seq"));
  p = put(p, "\",\"from\":");
  p = putU64(p, record.gapFrom);
  p = put(p, ",\"to\":");
  p = putU64(p, record.gapTo);
  p = put(p, ",\"count\":");
  p = putU64(p, gapCount(record));
  return put(p, "}\n");
}

char* JsonWriter::writeMessage(const Record& record, char* p) {
  bool valid = true;
  p = writePrologue(record, p);
  p = put(p, ",\"src\":\"");
  p = put(p, sourceText_.of(record.src));
  p = record.format == Format::Extended ? put(p, "\",\"format\":\"extended\"")
                                        : put(p, "\",\"format\":\"plain\"");
  p = put(p, ",\"release\":");
  p = record.release ? putString(p, *record.release, valid) : put(p, "null");
  p = put(p, ",\"facility\":");
  p = putNullableInt(p, record.facility);
  p = put(p, ",\"level\":");
  p = putNullableInt(p, record.level);
  p = put(p, ",\"seq\":");
  p = putNullableU64(p, record.seq);
  p = put(p, ",\"ts_usec\":");
  p = putNullableU64(p, record.tsUsec);
  p = record.cont ? put(p, ",\"cont\":true") : put(p, ",\"cont\":false");
  p = put(p, ",\"caller\":");
  p = record.caller.empty() ? put(p, "null") : putString(p, record.caller, valid);
  p = put(p, ",\"msgid\":");
  p = putNullableU64(p, record.msgid);
  p = put(p, ",\"text\":");
  p = putString(p, record.text, valid);
  if (!valid) {
    p = put(p, ",\"text_hex\":\"");
    p = putHex(p, record.text);
    *p++ = '"';
  }
  p = put(p, ",\"dict\":[");
  bool first = true;
  for (const KeyValue& kv : record.dict) {
    if (!first) *p++ = ',';
    first = false;
    *p++ = '[';
    p = putString(p, kv.key, valid);
    *p++ = ',';
    // Values can carry arbitrary bytes (userdata is sent raw); keep them recoverable.
    p = putString(p, kv.value, valid);
    if (!valid) {
      p = put(p, ",\"");
      p = putHex(p, kv.value);
      *p++ = '"';
    }
    *p++ = ']';
  }
  p = put(p, "],\"incomplete\":");
  if (record.incomplete) {
    p = put(p, "true,\"missing\":[");
    first = true;
    for (const ByteRange& r : record.missing) {
      if (!first) *p++ = ',';
      first = false;
      *p++ = '[';
      p = putU64(p, r.begin);
      *p++ = ',';
      p = putU64(p, r.end);
      *p++ = ']';
    }
    *p++ = ']';
  } else {
    p = put(p, "false");
  }
  // Replayed by ncxdp_tx's n-th crash dump (docs/record-format.md); kFixedBytes covers it.
  if (record.dump != 0) {
    p = put(p, ",\"dump\":");
    p = putU64(p, record.dump);
  }
  return put(p, "}\n");
}

}  // namespace ncxdp
