// What every live capture (`listen`, `attach`) shares: one thread per lane, each lane owning a
// Decoder and one Pipeline writer, so a sender's state has exactly one owner and needs no lock.
// The base runs the loop; a subclass only says how to wait for and read its kind of socket.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "capture/Capture.h"
#include "decode/Decoder.h"

namespace ncxdp {

class Pipeline;
class RingWriter;

// One sender's counters as its lane last published them (metrics' opt-in per-source series).
struct SourceSample {
  Source source;
  SourceStats stats;
};

// What a lane published at its last tick: at most one tick (100 ms) old, readable from any thread.
struct LaneSnapshot {
  CaptureStats stats;                 // this lane's decoder and capture counters
  std::vector<SourceSample> sources;  // the lane's busiest senders, when publishSources() asked
};

class LiveCapture : public Capture {
 public:
  void start() override;
  void requestStop() override { stop_.store(true, std::memory_order_relaxed); }
  bool finished() const override { return finishedLanes_.load(std::memory_order_acquire) == lanes_.size(); }
  void join() override;
  std::string error() const override;

  std::size_t laneCount() const { return lanes_.size(); }
  // What identifies lane i to an operator: the RX queue (attach) or the receive thread (listen).
  virtual std::uint32_t laneId(std::size_t lane) const { return std::uint32_t(lane); }
  // What lane threads do, in their thread names (ncxdp-ROLE/LANEID): "recv" when a lane's thread
  // also reads the socket (listen), "decode" when another thread takes the frames (attach).
  virtual const char* laneRole() const { return "recv"; }
  // Before start(): every lane also publishes its `perLane` busiest senders (by datagrams), once
  // a second. Zero (the default) publishes none.
  void publishSources(std::size_t perLane);
  // Any thread, while capture runs or after: copies lane i's last published counters. The
  // capture threads publish at every tick, so metrics never read a decoder another thread owns.
  void laneSnapshot(std::size_t lane, LaneSnapshot& out) const;

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

  // On lane i's capture thread (or after join): adds the subclass's own counters of that lane
  // (frames received, truncated, socket drops...) to `out`.
  virtual void addLaneCounters(std::size_t lane, CaptureStats& out) const = 0;
  // On lane i's thread: the time its decoder has reached, for the timeouts tick() applies. Wall
  // clock `now`, unless the subclass still holds datagrams that arrived earlier and are not
  // decoded yet (attach's burst buffer): a line is not idle while its continuation waits there.
  virtual std::uint64_t decoderClockUs(std::size_t /*lane*/, std::uint64_t now) { return now; }
  // True once requestStop() was called: for threads a subclass runs besides the lanes.
  bool stopRequested() const { return stop_.load(std::memory_order_relaxed); }

  Decoder& decoder(std::size_t lane) { return lanes_[lane]->decoder; }
  const Decoder& decoder(std::size_t lane) const { return lanes_[lane]->decoder; }
  // After join(): decoder and capture counters summed over lanes, and the live sources.
  CaptureStats laneTotals() const;
  static std::uint64_t realtimeUs();

 private:
  struct Lane {
    explicit Lane(const DecoderConfig& config) : decoder(config) {}
    Decoder decoder;
    std::thread thread;
    std::string error;
    // Published counters. The capture thread takes the lock once per tick, a scrape once per
    // lane: never per packet.
    mutable std::mutex publishMu;
    LaneSnapshot published;
    std::vector<SourceSample> sourceScratch;  // reused, so publishing allocates only while growing
  };

  void run(std::size_t lane);
  // On lane i's thread: copies its counters (and every second its busiest sources) into published.
  void publish(std::size_t lane, bool withSources);

  Pipeline& pipeline_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> finishedLanes_{0};
  std::size_t sourcesPerLane_ = 0;
};

}  // namespace ncxdp
