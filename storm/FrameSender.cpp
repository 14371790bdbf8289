#include "storm/FrameSender.h"

#include <cstdio>
#include <stdexcept>

#include "storm/PacketSender.h"
#include "storm/XskSender.h"

namespace ncxdp::storm {

std::unique_ptr<FrameSender> makeSender(SenderKind kind, const std::string& ifname, std::uint32_t queue,
                                        std::uint32_t batch) {
  if (kind == SenderKind::Packet) return std::make_unique<PacketSender>(ifname, batch);
  try {
    return std::make_unique<XskSender>(ifname, queue);
  } catch (const std::runtime_error& e) {
    if (kind == SenderKind::Xdp) throw;
    std::fprintf(stderr, "ncxdp-storm: %s; sending with AF_PACKET instead\n", e.what());
  }
  return std::make_unique<PacketSender>(ifname, batch);
}

}  // namespace ncxdp::storm
