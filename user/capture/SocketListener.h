// `ncxdp listen`: plain UDP sockets. Each of N threads opens its own socket per port with
// SO_REUSEPORT, so the kernel shards senders by their 4-tuple hash: one sender always lands on
// the same thread, and that thread's Decoder owns the sender's state without any lock.
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

struct ListenConfig {
  std::string bindAddress = "::";  // "::" is dual-stack: IPv4 senders arrive as v4-mapped
  std::vector<std::uint16_t> ports{6666};
  std::size_t threads = 1;
  bool verbose = false;
  DecoderConfig decoder;
};

class SocketListener : public Capture {
 public:
  // Opens and binds every socket now, so that a port in use fails before anything starts.
  // Throws std::runtime_error ("cannot bind [::]:6666: Address already in use (...)").
  // pipeline.producers() must equal config.threads.
  SocketListener(ListenConfig config, Pipeline& pipeline);
  ~SocketListener() override;

  void start() override;
  void requestStop() override { stop_.store(true, std::memory_order_relaxed); }
  bool finished() const override {
    return finishedThreads_.load(std::memory_order_acquire) == workers_.size();
  }
  void join() override;
  CaptureStats stats() const override;
  std::string error() const override;

  // Receive buffer of the first socket as set (getsockopt reports twice this).
  int receiveBufferBytes() const { return rcvbufBytes_; }

 private:
  struct Worker;

  void run(Worker& worker);
  // Reads every queued datagram of one socket, up to a bound; returns false when the socket
  // had nothing (so the final drain knows when to stop).
  bool receive(Worker& worker, std::size_t socketIndex, std::uint64_t& nowUs);
  int openSocket(const std::string& address, std::uint16_t port, bool reusePort);

  ListenConfig config_;
  Pipeline& pipeline_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> finishedThreads_{0};
  int family_ = 0;
  int rcvbufBytes_ = 0;
};

}  // namespace ncxdp
