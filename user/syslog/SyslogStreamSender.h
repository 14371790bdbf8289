// The sending half of a TCP or TLS syslog output: a thread of its own between the sink thread and
// the server, so a slow, restarting or absent server never stalls the pipeline.
//
//   sink thread --submit(batch)--> queue (bounded by spec.bufferBytes) --write--> server
//                                    ^                                     |
//                                    +----- reconnect with backoff --------+
//
// Messages arrive already framed (RFC 6587 octet counting) and leave in order, many per write.
// When the connection breaks, the message that was only partly written is sent again, whole, on
// the next connection (the server drops a partial frame with its connection). A syslog server
// acknowledges nothing, so a message the kernel accepted just before the server died can still
// be lost unseen; peerGone() before each write at least catches a server that closed cleanly.
// What cannot be sent is counted: records the full buffer refused (sink side) and records still
// waiting when the drain time at exit runs out.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "syslog/SyslogConnection.h"
#include "syslog/SyslogSpec.h"

namespace ncxdp {

struct SyslogSenderStats {
  std::uint64_t delivered = 0;   // messages written whole to a connection
  std::uint64_t resent = 0;      // messages sent again after a connection broke mid-message
  std::uint64_t lost = 0;        // messages still waiting when the drain time ran out
  std::uint64_t reconnects = 0;  // connections made after the first
  std::uint64_t bufferedRecords = 0;
  std::uint64_t bufferedBytes = 0;
  bool connected = false;
};

class SyslogStreamSender {
 public:
  // Loads TLS credentials (throws std::runtime_error naming the bad file) and starts the thread,
  // which connects in the background.
  explicit SyslogStreamSender(const SyslogSpec& spec);
  // Stops without draining if finish() was not called.
  ~SyslogStreamSender();
  SyslogStreamSender(const SyslogStreamSender&) = delete;
  SyslogStreamSender& operator=(const SyslogStreamSender&) = delete;

  // Sink thread. Counts `bytes` as buffered if they fit under spec.bufferBytes; false when full.
  bool reserve(std::size_t bytes);
  // Sink thread. Hands over every message of batch (each reserve()d); batch is left empty.
  void submit(std::vector<std::string>& batch);
  // Sink thread. Moves up to `max` sent messages (strings with capacity) into pool.
  void takeRecycled(std::vector<std::string>& pool, std::size_t max);
  // Sink thread, at exit: send what is left within spec.drainMs, count the rest lost, stop.
  void finish();

  SyslogSenderStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;

  void run();
  // Writes the front of pending_ until it is empty; false when the connection broke.
  bool sendPending();
  void connectionLost(const std::string& why);
  void release(std::size_t records, std::size_t bytes);

  const SyslogSpec spec_;
  const std::string where_;  // "tcp://host:514", for messages

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> incoming_;
  std::vector<std::string> recycled_;
  bool finishing_ = false;
  bool stop_ = false;
  Clock::time_point drainDeadline_{};

  std::atomic<std::uint64_t> bufferedBytes_{0};
  std::atomic<std::uint64_t> bufferedRecords_{0};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> resent_{0};
  std::atomic<std::uint64_t> lost_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<bool> connected_{false};

  // Sender-thread state.
  SyslogConnection conn_;
  std::deque<std::string> pending_;
  std::string out_;            // the bytes of the write in progress: whole frames from pending_
  std::size_t outFrames_ = 0;  // frames in out_
  std::size_t outSent_ = 0;    // bytes of out_ already written
  std::vector<std::string> recycleLocal_;
  bool everConnected_ = false;
  bool down_ = false;  // in an outage that was reported
  Clock::time_point downSince_{};
  std::string lastError_;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retryAt_{};

  std::thread thread_;  // last: run() uses everything above
};

}  // namespace ncxdp
