#include "syslog/SyslogSink.h"

#include <cinttypes>
#include <cstdio>

namespace ncxdp {

namespace {
// Messages handed to the sender at once at the latest; flush() hands over smaller batches.
constexpr std::size_t kBatch = 1024;
}  // namespace

SyslogSink::SyslogSink(const SyslogSpec& spec) : spec_(spec), formatter_(spec.pen) {
  if (spec_.proto == SyslogProto::Udp) {
    datagrams_ = std::make_unique<SyslogDatagramSender>(spec_);
  } else {
    stream_ = std::make_unique<SyslogStreamSender>(spec_);
    batch_.reserve(kBatch);
    pool_.reserve(kBatch);
  }
}

SyslogSink::~SyslogSink() {
  close();
}

void SyslogSink::write(const Record& record) {
  ++stats_.records;
  message_.clear();
  formatter_.append(record, message_);
  if (datagrams_) {
    if (!datagrams_->send(message_)) ++dropped_;
    return;
  }
  if (pool_.empty()) stream_->takeRecycled(pool_, kBatch);
  std::string framed;
  if (!pool_.empty()) {
    framed = std::move(pool_.back());
    pool_.pop_back();
  }
  framed.clear();
  Rfc5424Formatter::appendOctetCounted(message_, framed);
  if (!stream_->reserve(framed.size())) {
    pool_.push_back(std::move(framed));
    ++dropped_;
    if (!full_)
      std::fprintf(stderr,
                   "ncxdp: syslog %s: buffer full (buffer=%zu bytes); dropping records until the "
                   "server takes them again\n",
                   spec_.describe().c_str(), spec_.bufferBytes);
    full_ = true;
    return;
  }
  if (full_) {
    std::fprintf(stderr, "ncxdp: syslog %s: buffer has room again; %" PRIu64 " record(s) dropped\n",
                 spec_.describe().c_str(), dropped_ - droppedAtFull_);
    full_ = false;
    droppedAtFull_ = dropped_;
  }
  batch_.push_back(std::move(framed));
  if (batch_.size() >= kBatch) stream_->submit(batch_);
}

void SyslogSink::updateStats() {
  stats_.writeErrors = dropped_;
  if (datagrams_) return;
  const SyslogSenderStats s = stream_->stats();
  stats_.writeErrors += s.lost;
  delivery_.connected = s.connected;
  delivery_.delivered = s.delivered;
  delivery_.retries = s.resent;
  delivery_.bufferedRecords = s.bufferedRecords;
  delivery_.bufferedBytes = s.bufferedBytes;
}

void SyslogSink::flush() {
  if (stream_) stream_->submit(batch_);
  updateStats();
}

void SyslogSink::close() {
  if (closed_) return;
  closed_ = true;
  if (stream_) {
    stream_->submit(batch_);
    stream_->finish();
  }
  updateStats();
}

}  // namespace ncxdp
