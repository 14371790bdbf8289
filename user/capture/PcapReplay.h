// `ncxdp replay FILE`: feeds the UDP datagrams of a pcap or pcapng capture through the same
// decoder and pipeline as a live listener. Packet timestamps are the clock, so line and fragment
// timeouts behave as they did on the wire, and a replay is deterministic.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "capture/Capture.h"
#include "capture/FrameParser.h"
#include "decode/Decoder.h"

struct pcap;

namespace ncxdp {

class Pipeline;

struct ReplayConfig {
  std::string path;
  std::vector<std::uint16_t> ports;  // destination ports to decode; empty: every UDP port
  DecoderConfig decoder;
};

class PcapReplay : public Capture {
 public:
  // Opens the file now. Throws std::runtime_error ("cannot read 'x.pcap': <pcap error>").
  // Uses producer 0 of the pipeline, in blocking mode: offline, nothing is ever dropped.
  PcapReplay(ReplayConfig config, Pipeline& pipeline);
  ~PcapReplay() override;

  void start() override;
  void requestStop() override { stop_.store(true, std::memory_order_relaxed); }
  bool finished() const override { return finished_.load(std::memory_order_acquire); }
  void join() override;
  CaptureStats stats() const override;
  std::string error() const override { return error_; }

  int linkType() const { return linkType_; }

 private:
  void run();
  void count(FrameResult result);

  ReplayConfig config_;
  Pipeline& pipeline_;
  pcap* pcap_ = nullptr;
  int linkType_ = 0;
  Decoder decoder_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  CaptureStats stats_;  // received and truncated; the decoder's are read at stats()
  ReplayStats replay_;
  std::string error_;
};

}  // namespace ncxdp
