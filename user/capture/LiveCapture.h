// What every live capture (`listen`, `attach`) shares: one thread per lane, each lane owning a
// Decoder and one Pipeline writer, so a sender's state has exactly one owner and needs no lock.
// The base runs the loop; a subclass only says how to wait for and read its kind of socket.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "capture/Capture.h"
#include "decode/Decoder.h"

namespace ncxdp {

class Pipeline;
class RingWriter;

class LiveCapture : public Capture {
 public:
  void start() override;
  void requestStop() override { stop_.store(true, std::memory_order_relaxed); }
  bool finished() const override { return finishedLanes_.load(std::memory_order_acquire) == lanes_.size(); }
  void join() override;
  std::string error() const override;

 protected:
  // Longest wait in receive(): how fast a stop is noticed, and the decoder tick cadence when idle.
  static constexpr int kWaitMs = 100;

  // Throws std::runtime_error when the pipeline does not have one ring per lane.
  LiveCapture(Pipeline& pipeline, const DecoderConfig& decoder, std::size_t lanes);
  // Subclasses call stopAndJoin() in their own destructor: the threads use subclass members.
  ~LiveCapture() override;
  void stopAndJoin();

  // Waits at most kWaitMs for traffic on `lane` and decodes what arrived into `out`; returns true
  // when anything was read. Throws std::runtime_error on a failure that ends capture.
  virtual bool receive(std::size_t lane, RingWriter& out) = 0;
  // After a stop: decodes, without waiting, what the kernel already accepted for `lane`; returns
  // false once nothing was left.
  virtual bool drainQueued(std::size_t lane, RingWriter& out) = 0;

  Decoder& decoder(std::size_t lane) { return lanes_[lane]->decoder; }
  const Decoder& decoder(std::size_t lane) const { return lanes_[lane]->decoder; }
  std::size_t laneCount() const { return lanes_.size(); }
  // Decoder counters and live sources summed over lanes; subclasses add their own counters.
  CaptureStats decoderStats() const;
  static std::uint64_t realtimeUs();

 private:
  struct Lane {
    explicit Lane(const DecoderConfig& config) : decoder(config) {}
    Decoder decoder;
    std::thread thread;
    std::string error;
  };

  void run(std::size_t lane);

  Pipeline& pipeline_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> finishedLanes_{0};
};

}  // namespace ncxdp
