#include "storm/FlatWorkload.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace ncxdp::storm {

namespace {

constexpr std::string_view kTaskname = "storm";

class Capture : public DatagramOut {
 public:
  void datagram(std::span<const std::uint8_t> payload) override {
    bytes.assign(reinterpret_cast<const char*>(payload.data()), payload.size());
    ++count;
  }
  std::string bytes;
  int count = 0;
};

void writeDigits(std::uint8_t* at, std::uint64_t v) {
  for (std::size_t i = FlatWorkload::kDigits; i-- > 0;) {
    at[i] = std::uint8_t('0' + v % 10);
    v /= 10;
  }
}

}  // namespace

FlatWorkload::FlatWorkload(std::vector<Host> hosts, std::size_t payloadBytes)
    : hosts_(std::move(hosts)), payloadBytes_(payloadBytes) {
  if (payloadBytes_ > NetconsoleEncoder::kMaxPayload)
    throw std::invalid_argument("flat payload of " + std::to_string(payloadBytes_) +
                                " bytes is more than one datagram (1000)");
  for (auto& h : hosts_) {
    if (h.kind == HostKind::Plain)
      throw std::invalid_argument("flat traffic is extended only (use --formats extended)");
    h.seq = kFirstSeq;
    h.msgid = kFirstSeq;
    h.tsUs = 3'600'000'000ULL;
  }
  prefix_.resize(hosts_.size());
  sent_.assign(hosts_.size(), 0);
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    const std::string p = payloadFor(h, prefix_[h]);
    if (p.size() != payloadBytes_) throw std::logic_error("flat payload size mismatch");
  }
}

std::string FlatWorkload::payloadFor(std::size_t h, ContentHash& prefix) const {
  NetconsoleEncoder encoder;
  Capture out;
  Host probe = hosts_[h];
  // The size without text first, then a text that fills the payload exactly.
  Message m;
  m.level = 6;
  m.taskname = kTaskname;
  encoder.encode(probe, m, out);
  const std::size_t overhead = out.bytes.size();
  std::string text = "storm flat host " + std::to_string(h) + " ";
  if (overhead + text.size() > payloadBytes_)
    throw std::invalid_argument("flat payload of " + std::to_string(payloadBytes_) +
                                " bytes is too small for the header (" +
                                std::to_string(overhead + text.size()) + " bytes)");
  text.append(payloadBytes_ - overhead - text.size(), 'x');
  probe = hosts_[h];
  m.text = text;
  encoder.encode(probe, m, out);
  // Mirror of NetconsoleEncoder's hashing order: text, then sysdata cpu and taskname, then msgid.
  prefix = ContentHash();
  prefix.text(text);
  if (hosts_[h].kind == HostKind::Extended618) {
    prefix.pair("cpu", std::to_string(hosts_[h].cpu));
    prefix.pair("taskname", kTaskname);
  }
  return out.bytes;
}

void FlatWorkload::prepare(FrameBuilder& builder) {
  templates_.assign(hosts_.size(), {});
  const std::string first = std::to_string(kFirstSeq);
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    ContentHash unused;
    const std::string payload = payloadFor(h, unused);
    Template& t = templates_[h];
    t.frame.resize(FrameBuilder::kMaxFrameBytes);
    FrameLayout layout;
    const std::size_t n =
        builder.build(hosts_[h].src, {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()},
                      t.frame.data(), &layout);
    t.frame.resize(n);
    t.udpAt = layout.udpOffset;
    // The seq is the header's second (6.1) or third (6.18, after the release) number.
    const std::size_t seqPos = payload.find("," + first + ",");
    if (seqPos == std::string::npos) throw std::logic_error("flat template has no seq");
    t.seqAt = layout.payloadOffset + seqPos + 1;
    t.sumWithoutDigits = layout.udpSum - FrameBuilder::sum(&t.frame[t.seqAt], kDigits, t.seqAt - t.udpAt);
    if (hosts_[h].kind == HostKind::Extended618) {
      const std::size_t msgidPos = payload.find(" msgid=" + first + "\n");
      if (msgidPos == std::string::npos) throw std::logic_error("flat template has no msgid");
      t.msgidAt = layout.payloadOffset + msgidPos + 7;
      t.sumWithoutDigits -= FrameBuilder::sum(&t.frame[t.msgidAt], kDigits, t.msgidAt - t.udpAt);
    }
  }
  nextHost_ = 0;
}

std::size_t FlatWorkload::nextFrame(std::uint8_t* out, FrameInfo& info) {
  const std::size_t h = nextHost_;
  const std::uint64_t k = sent_[h];
  if (kFirstSeq + k > kLastSeq) return 0;
  nextHost_ = h + 1 == hosts_.size() ? 0 : h + 1;
  const Template& t = templates_[h];
  std::memcpy(out, t.frame.data(), t.frame.size());
  writeDigits(out + t.seqAt, kFirstSeq + k);
  std::uint64_t sum = t.sumWithoutDigits + FrameBuilder::sum(out + t.seqAt, kDigits, t.seqAt - t.udpAt);
  if (t.msgidAt != 0) {
    writeDigits(out + t.msgidAt, kFirstSeq + k);
    sum += FrameBuilder::sum(out + t.msgidAt, kDigits, t.msgidAt - t.udpAt);
  }
  const std::uint16_t csum = FrameBuilder::finishUdp(sum);
  out[t.udpAt + 6] = std::uint8_t(csum >> 8);
  out[t.udpAt + 7] = std::uint8_t(csum);
  ++sent_[h];
  info.host = std::uint32_t(h);
  info.completesRecord = true;
  info.messageEnd = true;
  return t.frame.size();
}

ExpectedRecord FlatWorkload::expected(std::size_t host, std::uint64_t k) const {
  ExpectedRecord r;
  r.seq = kFirstSeq + k;
  ContentHash c = prefix_[host];
  if (hosts_[host].kind == HostKind::Extended618) {
    r.msgid = kFirstSeq + k;
    c.pair("msgid", std::to_string(kFirstSeq + k));
  }
  r.digest = recordDigest(r.seq, r.msgid, c.value());
  return r;
}

}  // namespace ncxdp::storm
