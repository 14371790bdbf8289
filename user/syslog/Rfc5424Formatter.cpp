#include "syslog/Rfc5424Formatter.h"

#include <charconv>

#include "sink/Utf8.h"

namespace ncxdp {

namespace {

constexpr int kFacilityKern = 0;
constexpr int kFacilitySyslog = 5;
constexpr int kSeverityWarning = 4;
constexpr int kSeverityNotice = 5;
constexpr std::size_t kMaxSdName = 32;

void appendNumber(std::uint64_t n, std::string& out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

void appendHex(unsigned char c, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

void param(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  Rfc5424Formatter::appendParamValue(value, out);
  out += '"';
}

void param(std::string& out, std::string_view name, std::uint64_t value) {
  out += ' ';
  out += name;
  out += "=\"";
  appendNumber(value, out);
  out += '"';
}

}  // namespace

Rfc5424Formatter::Rfc5424Formatter(std::uint32_t pen)
    : mainId_("ncxdp@" + std::to_string(pen)), dictId_("dict@" + std::to_string(pen)) {}

int Rfc5424Formatter::priority(int facility, int level) {
  // RFC 5424 has facilities 0-23; printk's prefix can carry more (a write to /dev/kmsg).
  const int f = facility >= 0 && facility <= 23 ? facility : kFacilityKern;
  const int s = level >= 0 && level <= 7 ? level : kSeverityNotice;
  return f * 8 + s;
}

void Rfc5424Formatter::appendOctetCounted(std::string_view msg, std::string& out) {
  appendNumber(msg.size(), out);
  out += ' ';
  out.append(msg);
}

void Rfc5424Formatter::appendParamValue(std::string_view value, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const std::size_t n = value.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c >= 0x20 && c < 0x7f) {
      if (c == '"' || c == '\\' || c == ']') out += '\\';
      out += char(c);
      ++i;
      continue;
    }
    if (c < 0x80) {  // control characters: a PARAM-VALUE is text
      appendHex(c, out);
      ++i;
      continue;
    }
    const Utf8Char ch = decodeUtf8(p + i, n - i);
    if (ch.valid && ch.codePoint >= 0xa0) {
      out.append(value.data() + i, ch.length);
    } else {  // invalid UTF-8, or a C1 control character
      for (std::size_t k = 0; k < ch.length; ++k) appendHex(p[i + k], out);
    }
    i += ch.length;
  }
}

void Rfc5424Formatter::appendSdName(std::string_view key, std::string& out) {
  if (key.empty()) {
    out += '_';
    return;
  }
  const std::size_t n = key.size() < kMaxSdName ? key.size() : kMaxSdName;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    const bool ok = c > 32 && c < 127 && c != '=' && c != ']' && c != '"';
    out += ok ? char(c) : '_';
  }
}

void Rfc5424Formatter::appendHeader(const Record& record, int pri, std::string_view app,
                                    std::string_view msgid, std::string& out) {
  out += '<';
  appendNumber(std::uint64_t(pri), out);
  out += ">1 ";
  if (record.recvTsUs != 0)
    clock_.appendRfc3339(record.recvTsUs, out);
  else
    out += '-';
  out += ' ';
  // "10.0.0.5:6665" -> "10.0.0.5", "[fd00::5]:6665" -> "fd00::5".
  std::string_view src = sourceText_.of(record.src);
  std::string_view host = src.substr(0, src.rfind(':'));
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  out += host;
  out += ' ';
  out += app;
  out += " - ";
  out += msgid;
  out += " [";
  out += mainId_;
  param(out, "src", src);
}

void Rfc5424Formatter::append(const Record& record, std::string& out) {
  if (record.kind == RecordKind::Gap) {
    appendHeader(record, kFacilitySyslog * 8 + kSeverityWarning, "ncxdp", "gap", out);
    const std::string_view field = record.gapField == GapField::Seq ? "seq" : "msgid";
    const std::uint64_t count = gapCount(record);
    param(out, "gap", field);
    param(out, "from", record.gapFrom);
    param(out, "to", record.gapTo);
    param(out, "count", count);
    out += "] ";
    appendNumber(count, out);
    out += count == 1 ? " message lost (" : " messages lost (";
    out += field;
    out += ' ';
    appendNumber(record.gapFrom, out);
    if (record.gapTo != record.gapFrom) {
      out += "..";
      appendNumber(record.gapTo, out);
    }
    out += " never arrived)";
    return;
  }

  appendHeader(record, priority(record.facility, record.level), "kernel", "-", out);
  param(out, "format", record.format == Format::Extended ? "extended" : "plain");
  if (record.seq) param(out, "seq", *record.seq);
  if (record.msgid) param(out, "msgid", *record.msgid);
  if (record.release) param(out, "release", *record.release);
  if (record.tsUsec) param(out, "ts_usec", *record.tsUsec);
  if (!record.caller.empty()) param(out, "caller", record.caller);
  if (record.cont) param(out, "cont", "1");
  if (record.facility > 23) param(out, "facility", std::uint64_t(record.facility));
  if (record.dump != 0) param(out, "dump", record.dump);
  if (record.incomplete) {
    param(out, "incomplete", "1");
    // "begin-end,begin-end": half-open byte ranges of the body that never arrived.
    out += " missing=\"";
    bool first = true;
    for (const ByteRange& r : record.missing) {
      if (!first) out += ',';
      first = false;
      appendNumber(r.begin, out);
      out += '-';
      appendNumber(r.end, out);
    }
    out += '"';
  }
  out += ']';
  if (!record.dict.empty()) {
    out += '[';
    out += dictId_;
    for (const KeyValue& kv : record.dict) {
      out += ' ';
      appendSdName(kv.key, out);
      out += "=\"";
      appendParamValue(kv.value, out);
      out += '"';
    }
    out += ']';
  }
  if (!record.text.empty()) {
    out += ' ';
    out += record.text;
  }
}

}  // namespace ncxdp
