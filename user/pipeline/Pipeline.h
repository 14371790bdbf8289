// The middle of the data path: one SpscRing per capture thread, and one sink thread that drains
// them all into every sink. Capture threads never touch a sink, so a slow disk costs ring drops
// (counted) instead of stalling packet reception; sinks are only ever called from the sink
// thread, so they need no locks. The sink thread's priority follows the rings' fill
// (SinkPriority): below capture while they absorb a burst, back up when they keep filling.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ring/Doorbell.h"
#include "ring/RingWriter.h"
#include "ring/SpscRing.h"
#include "sink/Sink.h"

namespace ncxdp {

struct RingStats {
  std::uint64_t capacity = 0;
  std::uint64_t usedBytes = 0;  // occupancy when read: how far the sink thread is behind
  std::uint64_t written = 0;
  std::uint64_t drops = 0;     // ring full
  std::uint64_t oversize = 0;  // record larger than the ring can ever hold
};

struct SinkReport {
  std::string name;
  std::string target;                     // path, "stdout", servers (Sink::target())
  SinkStats stats;                        // dropped includes records discarded after an output failed
  std::optional<DeliveryStats> delivery;  // remote outputs only (Sink::delivery())
};

struct PipelineStats {
  std::vector<RingStats> rings;
  std::vector<SinkReport> sinks;
  std::uint64_t corrupt = 0;  // ring entries that did not decode (a bug if ever non-zero)
  bool sinkFailed = false;    // a sink threw; later records were discarded
};

class Pipeline {
 public:
  static constexpr std::size_t kDefaultRingBytes = std::size_t(64) << 20;
  // Smallest ring per producer: the decoder emits messages up to 64 KiB, which must fit.
  static constexpr std::size_t kMinRingBytes = std::size_t(256) << 10;
  // Largest ring per producer (the ring's 32-bit record offsets and its 1 GiB limit).
  static constexpr std::size_t kMaxRingBytes = std::size_t(1) << 30;

  // Splits ringBytesTotal evenly over `producers` rings, each rounded down to a power of two so
  // the total stays within the budget. Throws std::runtime_error when a ring would be smaller
  // than kMinRingBytes or larger than kMaxRingBytes, or there are no sinks.
  Pipeline(std::size_t producers, std::size_t ringBytesTotal, std::vector<std::unique_ptr<Sink>> sinks);
  // Stops and joins the sink thread if finish() was not called (error paths).
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  std::size_t producers() const { return rings_.size(); }
  // The RecordHandler capture thread i hands its decoder; only that thread may use it.
  RingWriter& writer(std::size_t i) { return rings_[i]->writer; }
  // Called by a producer after pushing records (once per batch is enough): wakes the sink
  // thread if it went to sleep on empty rings. Cheap when it is awake.
  void notify();
  // Producer i will push nothing more. Once all have said so and the rings are empty, the sink
  // thread closes the sinks and exits.
  void producerDone(std::size_t i);

  void start();
  // Any thread (the main thread on SIGHUP): the sink thread reopens every sink before its next batch.
  void requestReopen();
  // True once the sink thread has closed the sinks and exited.
  bool drained() const { return drained_.load(std::memory_order_acquire); }
  // Joins the sink thread; call after every producer is done (producerDone) or it waits forever.
  void finish();
  // Any thread. Ring counters are live; sink counters as of the sink thread's last flush (at most
  // 100 ms old under load). Exact after finish().
  PipelineStats stats() const;

 private:
  struct Lane {
    explicit Lane(std::size_t bytes) : ring(bytes), writer(ring) {}
    SpscRing ring;
    RingWriter writer;
    std::atomic<bool> done{false};
  };

  void run();
  // Moves up to `limit` records from one ring into the sinks; returns how many.
  std::size_t drain(SpscRing& ring, std::size_t limit);
  void flushSinks();
  // Sink thread: copies the sinks' counters where stats() can read them.
  void publishSinkStats();
  bool anyWork() const;
  // Occupancy (0..1) of the fullest ring; approximate while producers run.
  double fullestRing() const;
  void sleepUntilWork();

  std::vector<std::unique_ptr<Lane>> rings_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  std::thread thread_;
  std::atomic<std::size_t> doneCount_{0};
  std::atomic<bool> reopen_{false};
  std::atomic<bool> drained_{false};

  // The sink thread sleeps on it when every ring is empty; producers ring it after a batch (no
  // syscall unless the sink thread sleeps). The wait also times out, as a backstop and for ticks.
  Doorbell doorbell_;

  // Sink-thread state (decode scratch reused across records, so steady state allocates nothing).
  std::vector<KeyValue> dictScratch_;
  std::vector<ByteRange> missingScratch_;
  std::uint64_t corrupt_ = 0;
  bool sinkFailed_ = false;
  std::vector<std::uint64_t> discarded_;  // per sink: records not handed over after a failure

  // What stats() reports for the sinks, copied by the sink thread after each flush. A lock (not
  // atomics) so that a sink with more counters needs no change here; taken once per flush.
  mutable std::mutex publishMu_;
  std::vector<SinkReport> publishedSinks_;
  std::uint64_t publishedCorrupt_ = 0;
  bool publishedSinkFailed_ = false;
};

}  // namespace ncxdp
