// When a non-follow read of a JetStream stream is finished. A consumer's "0 pending" is not
// enough: an ephemeral consumer may sit on a replica that is still catching up after a restart,
// and that replica does not count messages it has not stored yet (issue 13 item 6). So the reader
// learns the stream's last sequence from the leader first and reads until it has seen it; 0
// pending only ends the read when that sequence was reached. Pure logic, no IO, so it is tested
// with a fake reply sequence.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ncxdp {

class ReadTarget {
 public:
  enum class Step { Continue, Done, GiveUp };
  using Clock = std::chrono::steady_clock;

  // target: the stream's last sequence when the read began (0: the stream is empty).
  // maxStall: how long to keep fetching without progress before giving up.
  ReadTarget(std::uint64_t target, std::chrono::milliseconds maxStall, Clock::time_point now);

  // A batch arrived; lastSeq is the stream sequence of its last message, pending the consumer's count.
  Step onBatch(std::uint64_t lastSeq, std::uint64_t pending, Clock::time_point now);
  // A fetch returned nothing (timeout or empty).
  Step onEmpty(Clock::time_point now);

  std::uint64_t reached() const { return reached_; }
  std::uint64_t target() const { return target_; }
  // "read up to seq X of Y ..." naming what to do; for the error when the read gives up.
  std::string shortfall(const std::string& stream) const;

 private:
  Step decide(Clock::time_point now) const;

  std::uint64_t target_;
  std::chrono::milliseconds maxStall_;
  std::uint64_t reached_ = 0;
  Clock::time_point lastProgress_;
};

}  // namespace ncxdp
