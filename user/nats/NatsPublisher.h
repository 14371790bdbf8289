// The publishing half of the NATS output: a thread of its own between the sink thread and a
// JetStream stream, so a slow or absent cluster never stalls the pipeline.
//
//   sink thread --submit(batch)--> lanes (one FIFO per source) --publish--> <prefix>.<source>
//                                   ^                                         |
//                                   +-------- ack / error / timeout ----------+
//
// Order and exactly-once per source: a lane has at most one message in flight. The next message
// of a source is only sent once JetStream has acknowledged (stored and replicated) the previous
// one, so no failure can let a later record overtake an earlier one. A retry sends the identical
// message with the same Nats-Msg-Id, which JetStream's duplicate window drops if an earlier attempt
// was stored after all. Throughput comes from batching instead of pipelining: while a message is
// in flight, the records that arrive queue up and all leave together in the next message (JSON
// lines, one per record), and lanes of different sources are in flight at the same time.
//
// Memory is bounded by spec.bufferBytes: the sink reserve()s each record before submitting it and
// spills it itself when the buffer is full. What cannot be delivered before the drain deadline at
// exit is written to the spill file too. Nothing is dropped without being counted.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "nats/NatsSpec.h"

namespace ncxdp {

class NatsConnection;
class SpillFile;

// One record on its way to NATS. Strings keep their capacity when recycled, so the sink thread
// reuses them instead of allocating per record.
struct OutRecord {
  std::string token;  // subject token of the source (SubjectToken.h)
  std::string line;   // the record's JSON line, '\n' included
};

struct NatsPublisherStats {
  std::uint64_t delivered = 0;        // records acknowledged by JetStream
  std::uint64_t messages = 0;         // messages acknowledged (each carries one or more records)
  std::uint64_t duplicates = 0;       // acks for a retry of a message JetStream had already stored
  std::uint64_t retries = 0;          // failed or timed-out attempts that were repeated
  std::uint64_t spilled = 0;          // records given up by the publisher (rejected, or left at exit)
  std::uint64_t bufferedRecords = 0;  // accepted and not yet delivered or spilled
  std::uint64_t bufferedBytes = 0;
  bool connected = false;
};

class NatsPublisher {
 public:
  // Connects (or starts waiting for a server, with a message on stderr) and starts the thread.
  // Throws std::runtime_error on a setup failure of the client library.
  NatsPublisher(const NatsSpec& spec, std::string receiverId, SpillFile& spill);
  // Stops without draining if finish() was not called.
  ~NatsPublisher();
  NatsPublisher(const NatsPublisher&) = delete;
  NatsPublisher& operator=(const NatsPublisher&) = delete;

  // What a record costs against the buffer: its bytes plus bookkeeping.
  static std::size_t cost(const OutRecord& r) { return r.line.size() + r.token.size() + kRecordOverhead; }

  // Sink thread. Counts `bytes` as buffered if they fit under spec.bufferBytes; false when full.
  bool reserve(std::size_t bytes);
  // Sink thread. Hands over every record of batch (each reserve()d); batch is left empty.
  void submit(std::vector<OutRecord>& batch);
  // Sink thread. Moves up to `max` delivered records (strings with capacity) into pool.
  void takeRecycled(std::vector<OutRecord>& pool, std::size_t max);
  // Sink thread, at exit: deliver what is left within spec.drainMs, spill the rest, stop.
  void finish();

  NatsPublisherStats stats() const;
  const std::string& receiverId() const { return receiverId_; }

 private:
  static constexpr std::size_t kRecordOverhead = 64;

  enum class AckKind { Stored, Duplicate, NoResponders, Error };
  struct Ack {
    std::uint32_t lane = 0;
    std::uint64_t serial = 0;  // which message of the lane
    std::uint32_t attempt = 0;
    AckKind kind = AckKind::Error;
    int errCode = 0;  // JetStream err_code, 0 when none
    std::string text;
  };
  struct Timeout {
    std::chrono::steady_clock::time_point at;
    std::uint32_t lane;
    std::uint64_t serial;
    std::uint32_t attempt;
  };
  struct Lane {
    std::string token;
    std::string subject;
    std::deque<OutRecord> queue;
    // The message in flight is queue[0, sending): sent as `payload` under `msgId`, both kept
    // unchanged until it is acknowledged, so every retry is the identical message.
    std::size_t sending = 0;
    std::string payload;
    std::string msgId;
    std::uint64_t serial = 0;  // message number, unique in this process
    std::uint32_t attempt = 0;
    bool awaiting = false;  // an attempt is out and unanswered
    std::chrono::steady_clock::time_point retryAt{};
    int failures = 0;                                    // consecutive, for the backoff
    bool listed = false;                                 // in ready_ or parked_
    std::chrono::steady_clock::time_point lastActive{};  // last record queued
  };

  static void onMessage(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* self);
  static void onSubscriptionDone(void* self);
  void run();
  void enqueue(OutRecord&& r, std::chrono::steady_clock::time_point now);
  void evictIdleLanes(std::chrono::steady_clock::time_point now);
  void handleAck(const Ack& a, std::chrono::steady_clock::time_point now);
  void fail(Lane& lane, std::uint32_t laneIdx, std::string_view why, bool backoff,
            std::chrono::steady_clock::time_point now);
  void delivered(Lane& lane, std::uint32_t laneIdx, bool duplicate);
  void spillInFlight(Lane& lane, std::uint32_t laneIdx, std::string_view why);
  void send(Lane& lane, std::uint32_t laneIdx, std::chrono::steady_clock::time_point now);
  void schedule(std::uint32_t laneIdx);
  void connectionChanged(std::chrono::steady_clock::time_point now);
  bool ensureStream();
  void spillEverything();
  void release(std::size_t records, std::size_t bytes);
  void recycle(OutRecord&& r);

  const NatsSpec spec_;
  const std::string receiverId_;
  const std::string inbox_;
  // "<receiver>.<start time ms>.": message ids are this, the source token and a serial. Unique
  // per process, and the start time keeps a restarted receiver from colliding with its previous
  // run inside the duplicate window.
  const std::string idPrefix_;
  SpillFile& spill_;

  // Shared between the sink thread, cnats's callback threads and the publisher thread.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<OutRecord> incoming_;
  std::vector<Ack> acks_;
  std::vector<OutRecord> recycled_;
  bool connChanged_ = false;
  bool finishing_ = false;
  bool stop_ = false;
  bool subDone_ = false;
  std::condition_variable subDoneCv_;

  std::atomic<std::uint64_t> bufferedBytes_{0};
  std::atomic<std::uint64_t> bufferedRecords_{0};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> messages_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::uint64_t> spilled_{0};

  // Publisher-thread state.
  std::vector<std::unique_ptr<Lane>> lanes_;  // null: a slot freed by evictIdleLanes
  std::vector<std::uint32_t> freeLanes_;
  std::chrono::steady_clock::time_point lastEviction_{};
  std::unordered_map<std::string, std::uint32_t> laneByToken_;
  std::deque<std::uint32_t> ready_;    // lanes that may send now
  std::vector<std::uint32_t> parked_;  // lanes waiting for a connection, the stream or a backoff
  std::deque<Timeout> timeouts_;       // in send order, so deadlines are ordered too
  std::vector<OutRecord> recycleLocal_;
  std::uint64_t nextSerial_ = 1;
  bool connected_ = false;
  bool everConnected_ = false;
  bool streamReady_ = false;
  std::chrono::steady_clock::time_point streamRetryAt_{};
  std::string lastStreamError_;
  std::size_t maxMessageBytes_ = 0;
  // One "stalled" message per episode of failures, one "resumed" when it ends.
  bool stalled_ = false;
  std::chrono::steady_clock::time_point stalledSince_{};
  std::uint64_t retriesAtStall_ = 0;
  bool drainStarted_ = false;
  std::chrono::steady_clock::time_point drainDeadline_{};

  natsSubscription* sub_ = nullptr;
  std::unique_ptr<NatsConnection> conn_;  // last: its callbacks use the members above
  std::thread thread_;
};

}  // namespace ncxdp
