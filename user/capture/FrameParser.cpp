#include "capture/FrameParser.h"

#include <pcap/dlt.h>

#include <cstring>

namespace ncxdp {

namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;  // 802.1Q
constexpr std::uint16_t kEtherQinq = 0x88a8;  // 802.1ad outer tag
constexpr int kMaxVlanTags = 2;

constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kIpv6HopByHop = 0;
constexpr std::uint8_t kIpv6Routing = 43;
constexpr std::uint8_t kIpv6Fragment = 44;
constexpr std::uint8_t kIpv6Auth = 51;
constexpr std::uint8_t kIpv6DestOpts = 60;
// More extension headers than any sane packet carries; bounds the walk on crafted input.
constexpr int kMaxIpv6ExtHeaders = 8;

// DLT_NULL stores the BSD address family in host order of the capturing machine, and the value
// for IPv6 differs between BSDs; accept every known one, in either byte order.
constexpr std::uint32_t kAfInet = 2;
constexpr std::uint32_t kAfInet6Values[] = {10, 24, 28, 30};

// A read cursor over the frame: every take() is bound-checked, so parse code cannot overrun.
class Cursor {
 public:
  explicit Cursor(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  bool has(std::size_t n) const { return n <= bytes_.size(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  std::uint8_t u8(std::size_t at) const { return bytes_[at]; }
  std::uint16_t be16(std::size_t at) const { return std::uint16_t(bytes_[at] << 8 | bytes_[at + 1]); }
  std::uint32_t be32(std::size_t at) const {
    return std::uint32_t(bytes_[at]) << 24 | std::uint32_t(bytes_[at + 1]) << 16 |
           std::uint32_t(bytes_[at + 2]) << 8 | bytes_[at + 3];
  }
  std::uint32_t le32(std::size_t at) const {
    return std::uint32_t(bytes_[at + 3]) << 24 | std::uint32_t(bytes_[at + 2]) << 16 |
           std::uint32_t(bytes_[at + 1]) << 8 | bytes_[at];
  }
  // Drops the first n bytes; false (and unchanged) when fewer are there.
  bool skip(std::size_t n) {
    if (!has(n)) return false;
    bytes_ = bytes_.subspan(n);
    return true;
  }
  // Keeps only the first n bytes (drops link-layer padding); false when fewer are there.
  bool limit(std::size_t n) {
    if (!has(n)) return false;
    bytes_ = bytes_.first(n);
    return true;
  }
  std::span<const std::uint8_t> rest() const { return bytes_; }

 private:
  std::span<const std::uint8_t> bytes_;
};

FrameResult parseUdp(Cursor c, const Source& srcAddr, ParsedFrame& out) {
  if (!c.has(8)) return FrameResult::Truncated;
  const std::uint16_t length = c.be16(4);
  // The UDP length covers header + payload. Less than 8 is invalid; more than what the IP layer
  // carried means either a lie or a capture cut short, and the two cannot be told apart here
  // once the IP length has been honoured, so the IP layer checks its own length first.
  if (length < 8) return FrameResult::Malformed;
  if (!c.has(length)) return FrameResult::Truncated;
  out.src = srcAddr;
  out.src.port = c.be16(0);
  out.dstPort = c.be16(2);
  out.payload = c.rest().subspan(8, length - 8);
  return FrameResult::Udp;
}

FrameResult parseIpv4(Cursor c, ParsedFrame& out) {
  if (!c.has(20)) return FrameResult::Truncated;
  if (c.u8(0) >> 4 != 4) return FrameResult::Malformed;
  const std::size_t headerLen = std::size_t(c.u8(0) & 0x0f) * 4;
  const std::size_t totalLen = c.be16(2);
  if (headerLen < 20 || totalLen < headerLen) return FrameResult::Malformed;
  if (!c.has(headerLen)) return FrameResult::Truncated;
  // Offset != 0 or More Fragments: reassembly is out of scope (netconsole never fragments).
  if ((c.be16(6) & 0x3fff) != 0) return FrameResult::IpFragment;
  const std::uint8_t proto = c.u8(9);
  std::uint32_t srcBe;
  std::memcpy(&srcBe, c.data() + 12, 4);
  if (proto != kProtoUdp) return FrameResult::NotUdp;
  // A total length beyond the captured bytes is a snaplen cut (or a lie): either way the
  // payload is not all here.
  if (!c.limit(totalLen)) return FrameResult::Truncated;
  c.skip(headerLen);
  return parseUdp(c, Source::ipv4(srcBe, 0), out);
}

FrameResult parseIpv6(Cursor c, ParsedFrame& out) {
  if (!c.has(40)) return FrameResult::Truncated;
  if (c.u8(0) >> 4 != 6) return FrameResult::Malformed;
  const std::size_t payloadLen = c.be16(4);
  // Payload length 0 means a jumbogram (hop-by-hop option); never netconsole, not supported.
  if (payloadLen == 0) return FrameResult::Malformed;
  std::uint8_t next = c.u8(6);
  const Source srcAddr = Source::ipv6(c.data() + 8, 0);
  // When the capture is cut short, still walk the headers that are there, to tell a fragment
  // or another protocol from a truncated UDP datagram.
  const bool complete = c.limit(40 + payloadLen);
  // Running out of bytes inside the declared payload is malformed; past the capture, truncated.
  const FrameResult shortResult = complete ? FrameResult::Malformed : FrameResult::Truncated;
  c.skip(40);
  for (int i = 0;; ++i) {
    if (next == kProtoUdp) break;
    if (next == kIpv6Fragment) return FrameResult::IpFragment;
    std::size_t extLen;
    if (next == kIpv6HopByHop || next == kIpv6Routing || next == kIpv6DestOpts) {
      if (!c.has(2)) return shortResult;
      extLen = (std::size_t(c.u8(1)) + 1) * 8;
    } else if (next == kIpv6Auth) {
      if (!c.has(2)) return shortResult;
      extLen = (std::size_t(c.u8(1)) + 2) * 4;
    } else {
      return FrameResult::NotUdp;
    }
    if (i >= kMaxIpv6ExtHeaders) return FrameResult::Malformed;
    if (!c.has(extLen)) return shortResult;
    next = c.u8(0);
    c.skip(extLen);
  }
  if (!complete) return FrameResult::Truncated;
  return parseUdp(c, srcAddr, out);
}

// Dispatches on an ethertype, stepping over up to two VLAN tags first.
FrameResult parseEtherType(std::uint16_t etherType, Cursor c, ParsedFrame& out) {
  for (int tags = 0; etherType == kEtherVlan || etherType == kEtherQinq; ++tags) {
    if (tags == kMaxVlanTags) return FrameResult::NotUdp;
    if (!c.has(4)) return FrameResult::Truncated;
    etherType = c.be16(2);
    c.skip(4);
  }
  if (etherType == kEtherIpv4) return parseIpv4(c, out);
  if (etherType == kEtherIpv6) return parseIpv6(c, out);
  return FrameResult::NotUdp;
}

// DLT_RAW and friends: the first nibble tells the version.
FrameResult parseRawIp(Cursor c, ParsedFrame& out) {
  if (!c.has(1)) return FrameResult::Truncated;
  switch (c.u8(0) >> 4) {
    case 4:
      return parseIpv4(c, out);
    case 6:
      return parseIpv6(c, out);
    default:
      return FrameResult::Malformed;
  }
}

FrameResult parseBsdFamily(std::uint32_t family, Cursor c, ParsedFrame& out) {
  if (family == kAfInet) return parseIpv4(c, out);
  for (std::uint32_t v6 : kAfInet6Values)
    if (family == v6) return parseIpv6(c, out);
  return FrameResult::NotUdp;
}

}  // namespace

bool isSupportedLinkType(int linkType) {
  switch (linkType) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
      return true;
    default:
      return false;
  }
}

std::string_view frameResultName(FrameResult result) {
  switch (result) {
    case FrameResult::Udp:
      return "udp";
    case FrameResult::NotUdp:
      return "not-udp";
    case FrameResult::IpFragment:
      return "ip-fragment";
    case FrameResult::Truncated:
      return "truncated";
    case FrameResult::Malformed:
      return "malformed";
    case FrameResult::UnsupportedLink:
      return "unsupported-link";
  }
  return "?";
}

FrameResult parseFrame(int linkType, std::span<const std::uint8_t> frame, ParsedFrame& out) {
  Cursor c(frame);
  switch (linkType) {
    case DLT_EN10MB:
      // dst MAC, src MAC, ethertype. The destination may be broadcast: netpoll does no ARP.
      if (!c.has(14)) return FrameResult::Truncated;
      {
        const std::uint16_t etherType = c.be16(12);
        c.skip(14);
        return parseEtherType(etherType, c, out);
      }
    case DLT_LINUX_SLL:
      // packet type, ARPHRD type, address length, 8 address bytes, protocol.
      if (!c.has(16)) return FrameResult::Truncated;
      {
        const std::uint16_t protocol = c.be16(14);
        c.skip(16);
        return parseEtherType(protocol, c, out);
      }
    case DLT_LINUX_SLL2:
      // protocol, reserved, ifindex, ARPHRD type, packet type, address length, 8 address bytes.
      if (!c.has(20)) return FrameResult::Truncated;
      {
        const std::uint16_t protocol = c.be16(0);
        c.skip(20);
        return parseEtherType(protocol, c, out);
      }
    case DLT_RAW:
      return parseRawIp(c, out);
    case DLT_IPV4:
      return parseIpv4(c, out);
    case DLT_IPV6:
      return parseIpv6(c, out);
    case DLT_NULL:
    case DLT_LOOP:
      if (!c.has(4)) return FrameResult::Truncated;
      {
        // DLT_LOOP is network order; DLT_NULL is the capturing host's order, which may not be ours.
        const std::uint32_t be = c.be32(0);
        const std::uint32_t le = c.le32(0);
        const std::uint32_t family = linkType == DLT_LOOP ? be : (be < 0x10000 ? be : le);
        c.skip(4);
        return parseBsdFamily(family, c, out);
      }
    default:
      return FrameResult::UnsupportedLink;
  }
}

}  // namespace ncxdp
