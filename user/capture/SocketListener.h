// `ncxdp listen`: plain UDP sockets. Each of N threads opens its own socket per port with
// SO_REUSEPORT, so the kernel shards senders by their 4-tuple hash: one sender always lands on
// the same thread, and that thread's Decoder owns the sender's state without any lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/LiveCapture.h"
#include "decode/Decoder.h"

namespace ncxdp {

class Pipeline;

struct ListenConfig {
  std::string bindAddress = "::";  // "::" is dual-stack: IPv4 senders arrive as v4-mapped
  std::vector<std::uint16_t> ports{6666};
  std::size_t threads = 1;
  bool verbose = false;
  DecoderConfig decoder;
};

class SocketListener : public LiveCapture {
 public:
  // Opens and binds every socket now, so that a port in use fails before anything starts.
  // Throws std::runtime_error ("cannot bind [::]:6666: Address already in use (...)").
  // pipeline.producers() must equal config.threads.
  SocketListener(ListenConfig config, Pipeline& pipeline);
  ~SocketListener() override;

  CaptureStats stats() const override;

 private:
  struct Worker;

  bool receive(std::size_t lane, RingWriter& out) override;
  bool drainQueued(std::size_t lane, RingWriter& out) override;
  void addLaneCounters(std::size_t lane, CaptureStats& out) const override;
  // Reads every queued datagram of one socket, up to a bound; returns false when the socket
  // had nothing (so the final drain knows when to stop).
  bool readSocket(Worker& worker, std::size_t socketIndex, RingWriter& out);

  ListenConfig config_;
  std::vector<std::unique_ptr<Worker>> workers_;
  int family_ = 0;
  int rcvbufBytes_ = 0;
};

}  // namespace ncxdp
