#include "storm/FrameBuilder.h"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

namespace ncxdp::storm {

namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint8_t kProtoUdp = 17;

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = std::uint8_t(v >> 8);
  p[1] = std::uint8_t(v);
}

}  // namespace

std::uint64_t FrameBuilder::sum(const std::uint8_t* data, std::size_t len, std::size_t offset) {
  std::uint64_t acc = 0;
  std::size_t i = 0;
  // Odd start: the first byte is the low half of the word it belongs to.
  if ((offset & 1) != 0 && len > 0) {
    acc += data[0];
    i = 1;
  }
  // Big-endian 16-bit words into a 64-bit accumulator: no carry handling until the fold.
  for (; i + 1 < len; i += 2) acc += std::uint32_t(data[i]) << 8 | data[i + 1];
  if (i < len) acc += std::uint32_t(data[i]) << 8;
  return acc;
}

std::uint16_t FrameBuilder::finishIp(std::uint64_t acc) {
  while ((acc >> 16) != 0) acc = (acc & 0xffff) + (acc >> 16);
  return std::uint16_t(~acc);
}

std::uint16_t FrameBuilder::finishUdp(std::uint64_t acc) {
  const std::uint16_t c = finishIp(acc);
  return c == 0 ? 0xffff : c;
}

std::size_t FrameBuilder::build(const Source& src, std::span<const std::uint8_t> payload, std::uint8_t* out,
                                FrameLayout* layout) {
  const bool v4 = src.isV4();
  const Source& dst = v4 ? config_.dst4 : config_.dst6;
  if (dst.port == 0)
    throw std::invalid_argument(std::string("no ") + (v4 ? "IPv4" : "IPv6") +
                                " receiver configured for host " + src.toString());
  const std::size_t ipBytes = v4 ? kIpv4Bytes : kIpv6Bytes;
  const std::size_t udpOffset = kEthernetBytes + ipBytes;
  const std::size_t payloadOffset = udpOffset + kUdpBytes;
  const std::size_t length = payloadOffset + payload.size();
  if (length > kMaxFrameBytes || payload.size() > 0xffff - kUdpBytes - ipBytes)
    throw std::invalid_argument("payload of " + std::to_string(payload.size()) +
                                " bytes does not fit a frame");

  std::memcpy(out, config_.dstMac.data(), 6);
  std::memcpy(out + 6, config_.srcMac.data(), 6);
  put16(out + 12, v4 ? kEtherIpv4 : kEtherIpv6);

  std::uint8_t* ip = out + kEthernetBytes;
  const std::uint16_t udpLength = std::uint16_t(kUdpBytes + payload.size());
  std::uint64_t pseudo = 0;
  if (v4) {
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, std::uint16_t(kIpv4Bytes + udpLength));
    put16(ip + 4, ipId_++);
    put16(ip + 6, 0);  // no fragmentation: netconsole payloads are at most 1000 bytes
    ip[8] = 64;
    ip[9] = kProtoUdp;
    put16(ip + 10, 0);
    std::memcpy(ip + 12, src.addr.data() + 12, 4);
    std::memcpy(ip + 16, dst.addr.data() + 12, 4);
    put16(ip + 10, finishIp(sum(ip, kIpv4Bytes)));
    pseudo = sum(ip + 12, 8) + kProtoUdp + udpLength;
  } else {
    ip[0] = 0x60;
    ip[1] = ip[2] = ip[3] = 0;
    put16(ip + 4, udpLength);
    ip[6] = kProtoUdp;
    ip[7] = 32;
    std::memcpy(ip + 8, src.addr.data(), 16);
    std::memcpy(ip + 24, dst.addr.data(), 16);
    pseudo = sum(ip + 8, 32) + kProtoUdp + udpLength;
  }

  std::uint8_t* udp = out + udpOffset;
  put16(udp, src.port);
  put16(udp + 2, dst.port);
  put16(udp + 4, udpLength);
  put16(udp + 6, 0);
  if (!payload.empty()) std::memcpy(out + payloadOffset, payload.data(), payload.size());
  const std::uint64_t udpSum = pseudo + sum(udp, udpLength);
  put16(udp + 6, finishUdp(udpSum));

  if (layout != nullptr) *layout = {udpOffset, payloadOffset, length, udpSum};
  return length;
}

}  // namespace ncxdp::storm
