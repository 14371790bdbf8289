// --out nats://HOST:PORT[,HOST:PORT...][?options]: every record, as its JSON line (the jsonl
// format), published to the JetStream subject <prefix>.<source token> (docs/nats.md).
//
// The sink thread only formats and hands over: write() appends the JSON line to a recycled
// buffer, flush() passes the batch to the NatsPublisher thread under one lock. When the bounded
// buffer is full, the record goes to the spill file instead, counted; at exit, what the cluster
// did not acknowledge within the drain time goes there too.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nats/NatsPublisher.h"
#include "nats/NatsSpec.h"
#include "nats/SpillFile.h"
#include "sink/JsonWriter.h"
#include "sink/Sink.h"
#include "sink/SourceText.h"

namespace ncxdp {

class NatsSink final : public Sink {
 public:
  // Opens the spill file and connects, or starts waiting for a server (with a message on
  // stderr). Throws std::runtime_error when the spill file cannot be opened.
  explicit NatsSink(const NatsSpec& spec);
  ~NatsSink() override;
  NatsSink(const NatsSink&) = delete;
  NatsSink& operator=(const NatsSink&) = delete;

  void write(const Record& record) override;
  void flush() override;
  void reopen() override;
  void close() override;
  std::string_view name() const override { return "nats"; }
  std::string target() const override;
  const DeliveryStats* delivery() const override { return &delivery_; }

  NatsPublisherStats publisherStats() const { return publisher_->stats(); }
  const std::string& spillPath() const { return spill_.path(); }

 private:
  void handOver();
  void updateStats();

  NatsSpec spec_;
  SpillFile spill_;
  std::unique_ptr<NatsPublisher> publisher_;
  JsonWriter json_;
  SourceText sourceText_;
  std::vector<OutRecord> batch_;
  std::vector<OutRecord> pool_;
  std::string spillLine_;
  DeliveryStats delivery_;
  bool closed_ = false;
};

}  // namespace ncxdp
