#include "storm/ScenarioWorkload.h"

#include <cstring>

namespace ncxdp::storm {

void ScenarioWorkload::prepare(FrameBuilder& builder) {
  const auto& datagrams = model_.datagrams();
  std::size_t bytes = 0;
  for (const PlannedDatagram& d : datagrams)
    bytes += d.length + FrameBuilder::kEthernetBytes + FrameBuilder::kIpv6Bytes + FrameBuilder::kUdpBytes;
  frames_.resize(bytes);
  frameOffset_.assign(1, 0);
  frameOffset_.reserve(datagrams.size() + 1);
  std::uint8_t scratch[FrameBuilder::kMaxFrameBytes];
  std::size_t at = 0;
  for (const PlannedDatagram& d : datagrams) {
    const std::size_t n = builder.build(model_.hosts()[d.host].src, model_.payload(d), scratch);
    std::memcpy(frames_.data() + at, scratch, n);
    at += n;
    frameOffset_.push_back(at);
  }
  frames_.resize(at);
  next_ = 0;
}

std::size_t ScenarioWorkload::nextFrame(std::uint8_t* out, FrameInfo& info) {
  if (next_ + 1 >= frameOffset_.size()) return 0;
  const PlannedDatagram& d = model_.datagrams()[next_];
  const std::size_t n = frameOffset_[next_ + 1] - frameOffset_[next_];
  std::memcpy(out, frames_.data() + frameOffset_[next_], n);
  info.host = d.host;
  info.completesRecord = d.record >= 0;
  info.messageEnd = model_.messageEnd(next_);
  ++next_;
  return n;
}

}  // namespace ncxdp::storm
