// A TrafficModel scenario as frames: every frame is built before sending starts (the "prebuilt
// frames" that let the sender run at the rate the kernel allows), then copied out in send order.
#pragma once

#include <cstdint>
#include <vector>

#include "storm/TrafficModel.h"
#include "storm/Workload.h"

namespace ncxdp::storm {

class ScenarioWorkload final : public Workload {
 public:
  ScenarioWorkload(const TrafficConfig& config, std::vector<Host> hosts) : model_(config, std::move(hosts)) {}

  const std::vector<Host>& hosts() const override { return model_.hosts(); }
  void prepare(FrameBuilder& builder) override;
  std::size_t nextFrame(std::uint8_t* out, FrameInfo& info) override;
  std::uint64_t frameCount() const override { return model_.datagrams().size(); }
  ExpectedRecord expected(std::size_t host, std::uint64_t k) const override {
    return model_.recordsOf(host)[k];
  }
  std::uint64_t recordCount(std::size_t host) const override { return model_.recordsOf(host).size(); }
  std::uint64_t withheld(std::size_t host) const override { return model_.withheld(host); }
  const TrafficModel& model() const { return model_; }

 private:
  TrafficModel model_;
  std::vector<std::uint8_t> frames_;
  std::vector<std::uint64_t> frameOffset_;  // frame i is frames_[frameOffset_[i], frameOffset_[i + 1])
  std::size_t next_ = 0;
};

}  // namespace ncxdp::storm
