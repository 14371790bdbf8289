// The reading half: records from the JetStream stream the NATS output writes, whichever receiver
// published them, through a pull consumer. One NatsReader gives `ncxdp tail` its records and
// is meant for any other reader (triage) the same way: it calls a RecordHandler, like the decoder.
//
// A durable consumer (durable name given) remembers what was read: every batch is acknowledged,
// so the next run with the same name starts after it. Without a name the consumer is ephemeral
// and reads the stream from its first record.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "decode/JsonRecordParser.h"
#include "decode/Record.h"
#include "nats/NatsSpec.h"

namespace ncxdp {

class NatsConnection;

struct NatsReaderConfig {
  NatsSpec spec;  // servers, stream and prefix (the other keys are ignored)
  std::string
      source;  // "" for every source; "ADDR:PORT" for one sender; "ADDR" for every port of one address
  std::string durable;  // consumer name; "" for an ephemeral consumer
  bool follow = false;  // wait for new records instead of returning once caught up
};

struct NatsReaderStats {
  std::uint64_t messages = 0;   // NATS messages read (each holds one or more JSON lines)
  std::uint64_t records = 0;    // records handed to the handler
  std::uint64_t malformed = 0;  // lines that were not ncxdp records (skipped, reported once)
};

class NatsReader {
 public:
  // Connects and binds the consumer. Throws std::runtime_error naming what failed: the servers,
  // the stream (missing?), the durable (exists with another filter?).
  explicit NatsReader(const NatsReaderConfig& config);
  ~NatsReader();
  NatsReader(const NatsReader&) = delete;
  NatsReader& operator=(const NatsReader&) = delete;

  // Hands records to handler in stream order (which is per-source publish order) until the
  // stream's last sequence at the start has been read (unless follow; "0 pending" alone is not
  // trusted, a catching-up replica reports it early), throwing "read up to seq X of Y" when no
  // progress comes for 30 s, or until stop() returns true; stop is polled at
  // least every half second. batchDone runs after each batch, before it is acknowledged.
  // Throws std::runtime_error when the stream or consumer goes away.
  void run(RecordHandler& handler, const std::function<bool()>& stop, const std::function<void()>& batchDone);

  const NatsReaderStats& stats() const { return stats_; }
  // The subject filter in use, e.g. "ncxdp.>" or "ncxdp.10_0_0_5-6665".
  const std::string& filter() const { return filter_; }

 private:
  std::uint64_t lastSequence();       // the stream's (or the filter's) last sequence, from the leader
  std::uint64_t deliveredSequence();  // the consumer's last delivered stream sequence
  // Binds a pull consumer: from the stream's start (startSeq 0) or from startSeq on.
  void subscribe(std::uint64_t startSeq);
  // Drops the ephemeral consumer and binds a new one from startSeq.
  void resubscribe(std::uint64_t startSeq);

  NatsReaderConfig config_;
  std::string filter_;
  std::string tokenPrefix_;  // an address without port: keep subjects whose token starts so
  std::unique_ptr<NatsConnection> conn_;
  natsSubscription* sub_ = nullptr;
  JsonRecordParser parser_;
  NatsReaderStats stats_;
  bool reported_ = false;
};

}  // namespace ncxdp
