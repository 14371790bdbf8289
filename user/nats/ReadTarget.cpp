#include "nats/ReadTarget.h"

namespace ncxdp {

ReadTarget::ReadTarget(std::uint64_t target, std::chrono::milliseconds maxStall, Clock::time_point now)
    : target_(target), maxStall_(maxStall), lastProgress_(now) {}

ReadTarget::Step ReadTarget::onBatch(std::uint64_t lastSeq, std::uint64_t pending, Clock::time_point now) {
  (void)pending;  // deliberately ignored: a catching-up replica reports 0 too early
  if (lastSeq > reached_) {
    reached_ = lastSeq;
    lastProgress_ = now;
  }
  return decide(now);
}

ReadTarget::Step ReadTarget::onEmpty(Clock::time_point now) {
  return decide(now);
}

ReadTarget::Step ReadTarget::decide(Clock::time_point now) const {
  if (reached_ >= target_) return Step::Done;
  if (now - lastProgress_ >= maxStall_) return Step::GiveUp;
  return Step::Continue;
}

std::string ReadTarget::shortfall(const std::string& stream) const {
  return "read up to seq " + std::to_string(reached_) + " of " + std::to_string(target_) + " in stream " +
         stream + ": no more arrived for " + std::to_string(maxStall_.count() / 1000) +
         " s (a server may still be catching up after a restart); run again, or check the cluster with "
         "`nats stream info " +
         stream + "`";
}

}  // namespace ncxdp
