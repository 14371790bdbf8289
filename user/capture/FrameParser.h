// Finds the UDP payload in one captured frame: link layer -> IPv4/IPv6 -> UDP. Pure function on
// bytes (no pcap, no IO) so every layer's bounds checks are unit-tested with crafted frames.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "decode/Source.h"

namespace ncxdp {

enum class FrameResult {
  Udp,         // out holds the source, destination port and payload
  NotUdp,      // another ethertype or IP protocol (ARP, ICMP, TCP, ...)
  IpFragment,  // an IPv4 fragment or an IPv6 fragment header: its UDP header may be elsewhere
  Truncated,   // a header or the UDP payload extends past the captured bytes
  Malformed,   // a length or version field that cannot be right
  UnsupportedLink,
};

struct ParsedFrame {
  Source src;                             // IP source address, UDP source port
  std::uint16_t dstPort = 0;              // UDP destination port, host order
  std::span<const std::uint8_t> payload;  // points into the frame
};

// Link types by their DLT_ value as pcap_datalink() reports them.
bool isSupportedLinkType(int linkType);
std::string_view frameResultName(FrameResult result);

// Never reads outside `frame` (the captured bytes, caplen).
FrameResult parseFrame(int linkType, std::span<const std::uint8_t> frame, ParsedFrame& out);

}  // namespace ncxdp
