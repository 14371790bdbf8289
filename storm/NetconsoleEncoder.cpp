#include "storm/NetconsoleEncoder.h"

#include <cstdio>

#include "storm/RecordDigest.h"

namespace ncxdp::storm {

namespace {

void appendNumber(std::string& out, std::uint64_t v) {
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  out.append(buf, std::size_t(n));
}

// The kernel's msg_print_ext_body(): bytes < 0x20, >= 0x7f and '\' become \xNN (lowercase).
void appendEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char ch : text) {
    const auto c = std::uint8_t(ch);
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      const char esc[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
      out.append(esc, 4);
    } else {
      out.push_back(ch);
    }
  }
}

}  // namespace

void NetconsoleEncoder::emit(DatagramOut& out, std::string_view bytes) {
  out.datagram({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

ExpectedRecord NetconsoleEncoder::encode(Host& host, const Message& message, DatagramOut& out,
                                         bool reverseFragments) {
  ExpectedRecord record = host.kind == HostKind::Plain ? encodePlain(host, message, out)
                                                       : encodeExtended(host, message, out, reverseFragments);
  // Messages of one host come a few hundred microseconds apart, as a log burst does.
  host.tsUs += 137 + (host.seq * 7919) % 600;
  ++host.seq;
  return record;
}

ExpectedRecord NetconsoleEncoder::encodeExtended(Host& host, const Message& message, DatagramOut& out,
                                                 bool reverseFragments) {
  const bool modern = host.kind == HostKind::Extended618;
  header_.clear();
  if (modern) {
    header_.append(kRelease);
    header_.push_back(',');
  }
  appendNumber(header_, std::uint64_t(message.level));
  header_.push_back(',');
  appendNumber(header_, host.seq);
  header_.push_back(',');
  appendNumber(header_, host.tsUs);
  header_.append(",-");

  ContentHash hash;
  hash.text(message.text);
  body_.clear();
  appendEscaped(body_, message.text);
  body_.push_back('\n');
  ExpectedRecord record;
  record.seq = host.seq;
  for (const auto& [key, value] : message.dict) {
    body_.push_back(' ');
    appendEscaped(body_, key);
    body_.push_back('=');
    appendEscaped(body_, value);
    body_.push_back('\n');
    hash.pair(key, value);
  }
  if (modern) {
    // Userdata, then the sysdata 6.15+ appends; all of it sent raw (not escaped).
    for (const auto& [key, value] : message.userdata) {
      body_.append(" ").append(key).append("=").append(value).append("\n");
      hash.pair(key, value);
    }
    number_.clear();
    appendNumber(number_, host.cpu);
    body_.append(" cpu=").append(number_).append("\n");
    hash.pair("cpu", number_);
    if (!message.taskname.empty()) {
      body_.append(" taskname=").append(message.taskname).append("\n");
      hash.pair("taskname", message.taskname);
    }
    number_.clear();
    appendNumber(number_, host.msgid);
    body_.append(" msgid=").append(number_).append("\n");
    hash.pair("msgid", number_);
    record.msgid = host.msgid;
    host.msgid = std::uint32_t(host.msgid + 1);  // a u32 in the kernel
  }
  record.digest = recordDigest(record.seq, record.msgid, hash.value());

  if (header_.size() + 1 + body_.size() <= kMaxPayload) {
    datagram_.assign(header_).append(";").append(body_);
    emit(out, datagram_);
    return record;
  }
  // Fragments share the header; each carries as much body as fits after its own ncfrag field.
  auto& pieces = pieces_;
  pieces.clear();
  const std::size_t total = body_.size();
  for (std::size_t off = 0; off < total;) {
    number_.assign(",ncfrag=");
    appendNumber(number_, off);
    number_.push_back('/');
    appendNumber(number_, total);
    number_.push_back(';');
    const std::size_t room = kMaxPayload - header_.size() - number_.size();
    const std::size_t n = std::min(room, total - off);
    pieces.emplace_back(off, n);
    off += n;
  }
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    const auto [off, n] = pieces[reverseFragments ? pieces.size() - 1 - k : k];
    datagram_.assign(header_).append(",ncfrag=");
    appendNumber(datagram_, off);
    datagram_.push_back('/');
    appendNumber(datagram_, total);
    datagram_.push_back(';');
    datagram_.append(body_, off, n);
    emit(out, datagram_);
  }
  return record;
}

ExpectedRecord NetconsoleEncoder::encodePlain(Host& host, const Message& message, DatagramOut& out) {
  char prefix[40];
  const int n = std::snprintf(prefix, sizeof prefix, "[%5llu.%06llu] ",
                              static_cast<unsigned long long>(host.tsUs / 1'000'000),
                              static_cast<unsigned long long>(host.tsUs % 1'000'000));
  body_.assign(prefix, std::size_t(n)).append(message.text).push_back('\n');
  // No header on the pieces: the receiver treats the source as a byte stream.
  for (std::size_t off = 0; off < body_.size(); off += kMaxPayload)
    emit(out, std::string_view(body_).substr(off, kMaxPayload));
  ContentHash hash;
  hash.text(message.text);
  return {std::nullopt, std::nullopt, recordDigest(std::nullopt, std::nullopt, hash.value())};
}

}  // namespace ncxdp::storm
