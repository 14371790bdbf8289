// `ncxdp attach IFACE`: our XDP program on the interface steers netconsole UDP (selected ports,
// allowed sources) into one AF_XDP socket per receive queue; everything else goes on to the
// kernel stack untouched. Per queue, two threads joined by a BurstBuffer:
//   capture thread: RX ring -> copy each UDP payload into the burst buffer -> frame straight
//                   back to the fill ring (never waits for decoding, so the UMEM stays full);
//   decoder thread (the LiveCapture lane): burst buffer -> Decoder -> Pipeline writer, waiting
//                   for the outputs when the pipeline's ring is full.
// The NIC's RSS hash keeps a sender on one queue, and one queue has one buffer and one decoder,
// so a sender's datagrams stay in order and its state has one owner.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "capture/LiveCapture.h"
#include "capture/XdpProgram.h"
#include "capture/XskSocket.h"
#include "decode/Decoder.h"
#include "ring/BurstBuffer.h"

namespace ncxdp {

class Pipeline;

struct AttachConfig {
  std::string ifname;
  std::vector<std::uint16_t> ports{6666};
  std::vector<std::string> allowlist;  // CIDRs; empty: any source
  std::vector<std::uint32_t> queues;   // receive queues to capture; empty: all of them
  XdpMode mode = XdpMode::Auto;
  XskBindMode bind = XskBindMode::Auto;
  // RX and fill ring slots (and UMEM frames, 2 KiB each) per socket. They cover the time the
  // capture thread is descheduled: with SCHED_OTHER on two busy cores that is tens of ms in a
  // storm, and 8192 (~16 ms at 500 kpps) ran dry ("fill ring empty", ~40,000 frames per
  // 1,000,000-datagram storm). 32768 holds ~65 ms at 500 kpps (64 MiB of UMEM per queue).
  std::uint32_t ringSize = 32768;
  // Burst buffer memory over all queues, split evenly (each share rounded down to a power of
  // two). 64 MiB holds ~400,000 datagrams of 100 bytes: more than `listen`'s 64 MiB socket
  // buffer, which is charged ~1 KiB per small datagram.
  std::size_t burstBufferBytes = std::size_t(64) << 20;
  bool verbose = false;
  DecoderConfig decoder;
};

// What the status line shows, readable from any thread while capture runs.
struct XskLiveStats {
  std::uint64_t received = 0;  // frames taken from the RX rings
  std::uint64_t records = 0;
  XskStats xsk;            // summed over sockets
  BurstBufferStats burst;  // summed over queues (high water: the deepest queue's)
};

class XskCapture : public LiveCapture {
 public:
  // Receive queues of the interface: ethtool channels, else the count of
  // /sys/class/net/IFACE/queues/rx-*. Throws std::runtime_error for a missing interface.
  static std::uint32_t rxQueueCount(const std::string& ifname);
  // "all" or "0,2,4-7" against the interface's queue count. Throws std::runtime_error naming
  // the bad part.
  static std::vector<std::uint32_t> parseQueues(std::string_view text, std::uint32_t available);
  // Smallest and largest burst buffer per queue.
  static constexpr std::size_t kMinBurstBufferBytes = std::size_t(64) << 10;
  static constexpr std::size_t kMaxBurstBufferBytes = std::size_t(1) << 30;
  // Each queue's share of --burst-buffer `total`. Throws std::runtime_error saying what is allowed
  // when a share would fall outside [kMinBurstBufferBytes, kMaxBurstBufferBytes].
  static std::size_t burstBufferPerQueue(std::size_t total, std::size_t queues);
  // The --xsk-ring default for this many queues: 32768 slots (64 MiB of UMEM) per queue for one
  // or two queues, then halved as queues double so the total stays at 128 MiB, but never below
  // 4096 per queue (a NIC with 64 queues pins 512 MiB, not 4 GiB).
  static std::uint32_t defaultRingSize(std::size_t queues);

  // Loads and attaches the program, creates and registers every socket. config.queues must be
  // resolved (non-empty) and pipeline.producers() must equal its size. Throws
  // std::runtime_error; everything already set up is undone.
  XskCapture(AttachConfig config, Pipeline& pipeline);
  ~XskCapture() override;

  // Starts the capture threads and the decoder threads.
  void start() override;
  // Joins both kinds of thread; the capture threads are told to stop first, since nothing
  // decodes what they buffer once the decoder threads have ended.
  void join() override;
  CaptureStats stats() const override;
  // Any thread: queue `lane`'s burst buffer.
  BurstBufferStats burstStats(std::size_t lane) const;
  // The RX queue lane i captures.
  std::uint32_t laneId(std::size_t lane) const override;
  const char* laneRole() const override { return "decode"; }
  // Any thread: the kernel's XDP_STATISTICS of lane i's socket.
  XskStats socketStats(std::size_t lane) const;
  // Packet memory (UMEM) of one lane's socket: --xsk-ring frames of 2 KiB.
  std::uint64_t umemBytes(std::size_t lane) const;

  XskLiveStats liveStats() const;
  XdpCounters programCounters() const { return program_.counters(); }
  XdpMode attachedMode() const { return program_.attachedMode(); }
  std::uint32_t progId() const { return program_.progId(); }
  bool zeroCopy() const;

 private:
  struct Worker;

  // Decoder thread (the LiveCapture lane).
  bool receive(std::size_t lane, RingWriter& out) override;
  bool drainQueued(std::size_t lane, RingWriter& out) override;
  void addLaneCounters(std::size_t lane, CaptureStats& out) const override;
  std::uint64_t decoderClockUs(std::size_t lane, std::uint64_t now) override;
  // Decodes up to `limit` buffered datagrams; returns how many.
  std::size_t decodeBuffered(Worker& worker, RingWriter& out, std::size_t limit);

  // Capture thread.
  void captureLoop(Worker& worker);
  // Copies what the RX ring holds, up to a bound, into the burst buffer; true if anything.
  bool copyQueued(Worker& worker, bool waitForRoom);
  // Copies up to one batch from the RX ring and recycles its frames; returns how many.
  std::uint32_t copyBatch(Worker& worker, bool waitForRoom);
  void returnStashed(Worker& worker);

  AttachConfig config_;
  XdpProgram program_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace ncxdp
