// `ncxdp attach IFACE`: our XDP program on the interface steers netconsole UDP (selected ports,
// allowed sources) into one AF_XDP socket per receive queue; everything else goes on to the
// kernel stack untouched. One capture thread per queue, each with its own Decoder and Pipeline
// writer: the NIC's RSS hash keeps a sender on one queue, so a sender's state has one owner.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capture/LiveCapture.h"
#include "capture/XdpProgram.h"
#include "capture/XskSocket.h"
#include "decode/Decoder.h"

namespace ncxdp {

class Pipeline;

struct AttachConfig {
  std::string ifname;
  std::vector<std::uint16_t> ports{6666};
  std::vector<std::string> allowlist;  // CIDRs; empty: any source
  std::vector<std::uint32_t> queues;   // receive queues to capture; empty: all of them
  XdpMode mode = XdpMode::Auto;
  XskBindMode bind = XskBindMode::Auto;
  // RX and fill ring slots (and UMEM frames, 2 KiB each) per socket. 2048 overflows in bursts;
  // 8192 holds ~8 ms at 1 Mpps while the capture thread is descheduled (16 MiB of UMEM).
  std::uint32_t ringSize = 8192;
  bool verbose = false;
  DecoderConfig decoder;
};

// What the status line shows, readable from any thread while capture runs.
struct XskLiveStats {
  std::uint64_t received = 0;  // frames taken from the RX rings
  std::uint64_t records = 0;
  XskStats xsk;  // summed over sockets
};

class XskCapture : public LiveCapture {
 public:
  // Receive queues of the interface: ethtool channels, else the count of
  // /sys/class/net/IFACE/queues/rx-*. Throws std::runtime_error for a missing interface.
  static std::uint32_t rxQueueCount(const std::string& ifname);
  // "all" or "0,2,4-7" against the interface's queue count. Throws std::runtime_error naming
  // the bad part.
  static std::vector<std::uint32_t> parseQueues(std::string_view text, std::uint32_t available);

  // Loads and attaches the program, creates and registers every socket. config.queues must be
  // resolved (non-empty) and pipeline.producers() must equal its size. Throws
  // std::runtime_error; everything already set up is undone.
  XskCapture(AttachConfig config, Pipeline& pipeline);
  ~XskCapture() override;

  CaptureStats stats() const override;
  // The RX queue lane i captures.
  std::uint32_t laneId(std::size_t lane) const override;
  // Any thread: the kernel's XDP_STATISTICS of lane i's socket.
  XskStats socketStats(std::size_t lane) const;

  XskLiveStats liveStats() const;
  XdpCounters programCounters() const { return program_.counters(); }
  XdpMode attachedMode() const { return program_.attachedMode(); }
  std::uint32_t progId() const { return program_.progId(); }
  bool zeroCopy() const;

 private:
  struct Worker;

  bool receive(std::size_t lane, RingWriter& out) override;
  bool drainQueued(std::size_t lane, RingWriter& out) override;
  void addLaneCounters(std::size_t lane, CaptureStats& out) const override;
  // Decodes up to one batch from the RX ring and recycles its frames; returns how many.
  std::uint32_t receiveBatch(Worker& worker, RingWriter& out);

  AttachConfig config_;
  XdpProgram program_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace ncxdp
