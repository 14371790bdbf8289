#include "nats/NatsSink.h"

#include "nats/SubjectToken.h"

namespace ncxdp {

namespace {
// Records handed to the publisher at once at the latest; flush() hands over smaller batches.
constexpr std::size_t kBatch = 1024;
}  // namespace

NatsSink::NatsSink(const NatsSpec& spec) : spec_(spec), spill_(spec.spill) {
  publisher_ = std::make_unique<NatsPublisher>(spec_, spec_.id, spill_);
  batch_.reserve(kBatch);
  pool_.reserve(kBatch);
}

NatsSink::~NatsSink() {
  close();
}

void NatsSink::write(const Record& record) {
  ++stats_.records;
  if (pool_.empty()) publisher_->takeRecycled(pool_, kBatch);
  OutRecord r;
  if (!pool_.empty()) {
    r = std::move(pool_.back());
    pool_.pop_back();
  }
  appendSubjectToken(sourceText_.of(record.src), r.token);
  json_.append(record, r.line);
  if (publisher_->reserve(NatsPublisher::cost(r))) {
    batch_.push_back(std::move(r));
    if (batch_.size() >= kBatch) handOver();
    return;
  }
  // The buffer is full (a long outage): keep the record locally rather than lose it.
  spill_.append(r.line, 1);
  r.line.clear();
  r.token.clear();
  pool_.push_back(std::move(r));
}

std::string NatsSink::target() const {
  return spec_.serverList();
}

void NatsSink::handOver() {
  publisher_->submit(batch_);
}

void NatsSink::updateStats() {
  // The spill file counts both kinds: records the sink set aside because the buffer was full,
  // and records the publisher gave up on. Records it could not even write there are lost.
  delivery_.spilled = spill_.spilled();
  stats_.dropped = spill_.dropped();
  stats_.writeErrors = spill_.writeErrors();
  const NatsPublisherStats p = publisher_->stats();
  delivery_.connected = p.connected;
  delivery_.delivered = p.delivered;
  delivery_.retries = p.retries;
  delivery_.bufferedRecords = p.bufferedRecords;
  delivery_.bufferedBytes = p.bufferedBytes;
}

void NatsSink::flush() {
  handOver();
  spill_.flush();
  updateStats();
}

void NatsSink::reopen() {
  spill_.reopen();
}

void NatsSink::close() {
  if (closed_) return;
  closed_ = true;
  handOver();
  publisher_->finish();
  spill_.flush();
  updateStats();
}

}  // namespace ncxdp
