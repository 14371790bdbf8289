// Turns a UDP payload from one simulated host into the Ethernet frame netpoll would put on the
// wire: Ethernet / IPv4 (TTL 64) or IPv6 (hop limit 32) / UDP with its checksum always set.
// Frames are crafted whole in user space so the storm needs no addresses configured anywhere:
// 10,000 hosts are 10,000 source addresses written into headers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "decode/Source.h"

namespace ncxdp::storm {

using MacAddress = std::array<std::uint8_t, 6>;

struct FrameConfig {
  MacAddress srcMac{};
  MacAddress dstMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};  // netconsole without remote_mac
  Source dst4;                                            // receiver for IPv4 hosts (address and UDP port)
  Source dst6;  // receiver for IPv6 hosts; unused when no host is IPv6
};

// Where the parts of a built frame are, for patching a template in place.
struct FrameLayout {
  std::size_t udpOffset = 0;      // start of the UDP header
  std::size_t payloadOffset = 0;  // start of the UDP payload
  std::size_t length = 0;         // whole frame
  // One's-complement sum of the pseudo header, UDP header and payload as built, not folded, with
  // the checksum field taken as zero: patching bytes then only needs their old and new sums.
  std::uint64_t udpSum = 0;
};

class FrameBuilder {
 public:
  static constexpr std::size_t kEthernetBytes = 14;
  static constexpr std::size_t kIpv4Bytes = 20;
  static constexpr std::size_t kIpv6Bytes = 40;
  static constexpr std::size_t kUdpBytes = 8;
  // Largest frame: IPv6 headers and netconsole's 1000-byte payload limit with room to spare.
  static constexpr std::size_t kMaxFrameBytes = 2048;

  explicit FrameBuilder(const FrameConfig& config) : config_(config) {}

  // Writes the frame for `payload` sent by `src` into out (kMaxFrameBytes) and returns its length.
  // The address family of src picks IPv4 or IPv6. Throws std::invalid_argument when the payload
  // does not fit or the receiver of that family is not configured (setup errors, not per packet).
  std::size_t build(const Source& src, std::span<const std::uint8_t> payload, std::uint8_t* out,
                    FrameLayout* layout = nullptr);

  // One's-complement sum of bytes that start at `offset` from the beginning of the checksummed
  // region (odd offsets land in the low byte of a 16-bit word). Not folded.
  static std::uint64_t sum(const std::uint8_t* data, std::size_t len, std::size_t offset = 0);
  // Folds a sum to 16 bits and complements it; UDP sends 0xffff for a computed zero.
  static std::uint16_t finishUdp(std::uint64_t sum);
  static std::uint16_t finishIp(std::uint64_t sum);

 private:
  FrameConfig config_;
  std::uint16_t ipId_ = 1;  // netpoll numbers IPv4 datagrams like the stack does
};

}  // namespace ncxdp::storm
