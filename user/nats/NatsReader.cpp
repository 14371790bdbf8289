#include "nats/NatsReader.h"

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "nats/NatsConnection.h"
#include "nats/ReadTarget.h"
#include "nats/SubjectToken.h"

namespace ncxdp {

namespace {

constexpr int kFetchBatch = 256;
constexpr std::int64_t kFetchWaitMs = 500;
// Each attempt waits up to the JetStream context's 5 s. After a server is killed, nats-server 2.9's
// survivors have been seen to need more than 30 s to answer JetStream requests again (the cluster
// test failed that way once in CI), so wait up to about two minutes.
constexpr int kBindAttempts = 22;
constexpr auto kBindRetry = std::chrono::milliseconds(500);
// Without -f, how long to keep fetching without progress towards the stream's last sequence
// before giving up: a restarted replica catches up within seconds.
constexpr auto kMaxStall = std::chrono::milliseconds(30'000);
// An ephemeral consumer that makes no progress this long, short of the target, is replaced by a
// new one starting after the last sequence read. The old one can sit on a replica that stays
// behind (seen in the cluster test: one message short for 30 s after a restart); a new consumer
// is placed afresh and reads from the stream as the cluster has it now.
constexpr auto kResubscribeAfter = std::chrono::milliseconds(5'000);

// "10.0.0.5:6665" -> its token; "10.0.0.5" / "fd00::5" -> the token prefix of all its ports.
void sourceFilter(const std::string& source, std::string& token, std::string& tokenPrefix) {
  if (source.empty()) return;
  Source parsed;
  if (Source::parse(source, parsed)) {
    token = subjectToken(parsed.toString());
    return;
  }
  std::string host = source;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  in_addr a4;
  in6_addr a6;
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
    // Canonical text, the way Source::format writes it, with a port to cut off again.
    Source any;
    Source::parse(inet_pton(AF_INET, host.c_str(), &a4) == 1 ? host + ":1" : "[" + host + "]:1", any);
    const std::string t = subjectToken(any.toString());
    tokenPrefix = t.substr(0, t.size() - 1);  // keeps the '-' before the port
    return;
  }
  throw std::runtime_error("--source '" + source + "': expected ADDR:PORT, [V6]:PORT or ADDR");
}

}  // namespace

NatsReader::NatsReader(const NatsReaderConfig& config) : config_(config) {
  std::string token;
  sourceFilter(config_.source, token, tokenPrefix_);
  filter_ = config_.spec.prefix + "." + (token.empty() ? ">" : token);
  conn_ = std::make_unique<NatsConnection>(config_.spec, "ncxdp reader", /*waitForServer=*/false, nullptr,
                                           std::function<void()>{});
  subscribe(0);
}

void NatsReader::subscribe(std::uint64_t startSeq) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = config_.spec.stream.c_str();
  so.Config.DeliverPolicy = startSeq == 0 ? js_DeliverAll : js_DeliverByStartSequence;
  so.Config.OptStartSeq = startSeq;
  // Pull consumers need acknowledgements; one per batch (ack-all) is enough for progress.
  so.Config.AckPolicy = js_AckAll;
  so.ManualAck = true;
  if (config_.durable.empty()) so.Config.InactiveThreshold = std::int64_t(60) * 1'000'000'000;
  // Right after a leader change the JetStream API may not answer for a few seconds (leaders are
  // being elected, a replicated consumer waits for its peers): wait that out instead of failing.
  natsStatus s = NATS_OK;
  jsErrCode jerr = jsErrCode(0);
  for (int attempt = 1;; ++attempt) {
    jerr = jsErrCode(0);
    s = js_PullSubscribe(&sub_, conn_->js(), filter_.c_str(),
                         config_.durable.empty() ? nullptr : config_.durable.c_str(), nullptr, &so, &jerr);
    if ((s != NATS_TIMEOUT && s != NATS_NO_RESPONDERS) || attempt == kBindAttempts) break;
    if (attempt == 1)
      std::fprintf(stderr, "ncxdp: nats: JetStream at %s is not answering yet (%s); retrying\n",
                   config_.spec.serverList().c_str(), natsStatus_GetText(s));
    std::this_thread::sleep_for(kBindRetry);
  }
  if (s != NATS_OK) {
    std::string why = natsErrorText(s);
    if (jerr == JSStreamNotFoundErr || s == NATS_NOT_FOUND)
      why = "no stream " + config_.spec.stream + " (nothing published yet? another stream=?)";
    throw std::runtime_error("cannot read " + filter_ + " from stream " + config_.spec.stream + " at " +
                             config_.spec.serverList() + ": " + why);
  }
}

void NatsReader::resubscribe(std::uint64_t startSeq) {
  natsSubscription_Unsubscribe(sub_);
  natsSubscription_Destroy(sub_);
  sub_ = nullptr;
  subscribe(startSeq);
}

NatsReader::~NatsReader() {
  if (sub_ != nullptr) {
    // An ephemeral consumer is deleted; a durable one stays for the next run (Destroy alone
    // keeps it, Unsubscribe deletes what the library created).
    if (config_.durable.empty()) natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }
  // Acknowledgements are published asynchronously: make sure they reached the server.
  if (conn_ && conn_->state() == NatsConnection::State::Connected)
    natsConnection_FlushTimeout(conn_->nc(), 2000);
}

std::uint64_t NatsReader::lastSequence() {
  // Asked through the JetStream API, which the stream leader answers, not the replica the
  // consumer happens to be on. With a subject filter, the last message of that filter.
  jsErrCode jerr = jsErrCode(0);
  natsMsg* msg = nullptr;
  natsStatus s =
      js_GetLastMsg(&msg, conn_->js(), config_.spec.stream.c_str(), filter_.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    const std::uint64_t seq = natsMsg_GetSequence(msg);
    natsMsg_Destroy(msg);
    return seq;
  }
  if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr) return 0;
  jsStreamInfo* si = nullptr;
  jerr = jsErrCode(0);
  s = js_GetStreamInfo(&si, conn_->js(), config_.spec.stream.c_str(), nullptr, &jerr);
  if (s != NATS_OK)
    throw std::runtime_error("cannot learn the last sequence of stream " + config_.spec.stream + " at " +
                             config_.spec.serverList() + ": " + natsErrorText(s));
  const std::uint64_t seq = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  return seq;
}

std::uint64_t NatsReader::deliveredSequence() {
  jsConsumerInfo* ci = nullptr;
  jsErrCode jerr = jsErrCode(0);
  const natsStatus s = config_.durable.empty()
                           ? natsSubscription_GetConsumerInfo(&ci, sub_, nullptr, &jerr)
                           : js_GetConsumerInfo(&ci, conn_->js(), config_.spec.stream.c_str(),
                                                config_.durable.c_str(), nullptr, &jerr);
  if (s != NATS_OK) return 0;
  const std::uint64_t seq = ci->Delivered.Stream;
  jsConsumerInfo_Destroy(ci);
  return seq;
}

void NatsReader::run(RecordHandler& handler, const std::function<bool()>& stop,
                     const std::function<void()>& batchDone) {
  Record record;
  std::string error;
  // Without -f: the end is the stream's last sequence now, not the consumer's "0 pending".
  ReadTarget target(config_.follow ? 0 : lastSequence(), kMaxStall, ReadTarget::Clock::now());
  // A durable consumer may have read up to (or past) it in an earlier run.
  if (!config_.follow) target.onBatch(deliveredSequence(), 0, ReadTarget::Clock::now());
  auto stalledSince = ReadTarget::Clock::now();
  auto finished = [&](ReadTarget::Step step) {
    if (step == ReadTarget::Step::GiveUp) throw std::runtime_error(target.shortfall(config_.spec.stream));
    return step == ReadTarget::Step::Done;
  };
  while (!stop()) {
    natsMsgList list{};
    jsErrCode jerr = jsErrCode(0);
    const natsStatus s = natsSubscription_Fetch(&list, sub_, kFetchBatch, kFetchWaitMs, &jerr);
    if (s == NATS_TIMEOUT || (s == NATS_OK && list.Count == 0)) {
      natsMsgList_Destroy(&list);
      const auto now = ReadTarget::Clock::now();
      if (!config_.follow && finished(target.onEmpty(now))) return;
      if (!config_.follow && config_.durable.empty() && now - stalledSince >= kResubscribeAfter) {
        std::fprintf(stderr,
                     "ncxdp: nats: no progress past seq %llu of %llu for %lld s; reading on through a new "
                     "consumer\n",
                     static_cast<unsigned long long>(target.reached()),
                     static_cast<unsigned long long>(target.target()),
                     static_cast<long long>(
                         std::chrono::duration_cast<std::chrono::seconds>(kResubscribeAfter).count()));
        resubscribe(target.reached() + 1);
        stalledSince = ReadTarget::Clock::now();
      }
      continue;
    }
    if (s != NATS_OK) {
      natsMsgList_Destroy(&list);
      if (s == NATS_CONNECTION_CLOSED || s == NATS_INVALID_SUBSCRIPTION || jerr != 0)
        throw std::runtime_error("reading " + filter_ + ": " + natsErrorText(s));
      continue;  // disconnected: cnats reconnects, the next fetch goes on
    }
    std::uint64_t pending = 1;
    std::uint64_t lastSeq = 0;
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* m = list.Msgs[i];
      ++stats_.messages;
      const char* subject = natsMsg_GetSubject(m);
      const std::string_view token = std::string_view(subject).substr(config_.spec.prefix.size() + 1);
      if (!tokenPrefix_.empty() && !token.starts_with(tokenPrefix_)) continue;
      // One message holds one or more JSON lines of one source, in order.
      std::string_view body(natsMsg_GetData(m), std::size_t(natsMsg_GetDataLength(m)));
      while (!body.empty()) {
        const std::size_t nl = body.find('\n');
        const std::string_view line = body.substr(0, nl);
        body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
        if (line.empty()) continue;
        if (!parser_.parse(line, record, error)) {
          ++stats_.malformed;
          if (!reported_) {
            reported_ = true;
            std::fprintf(stderr,
                         "ncxdp: nats: skipping a line of %s that is not an ncxdp record (%s); further ones "
                         "are only counted\n",
                         subject, error.c_str());
          }
          continue;
        }
        ++stats_.records;
        handler.onRecord(record);
      }
    }
    jsMsgMetaData* meta = nullptr;
    natsMsg* last = list.Msgs[list.Count - 1];
    if (natsMsg_GetMetaData(&meta, last) == NATS_OK) {
      pending = meta->NumPending;
      lastSeq = meta->Sequence.Stream;
      jsMsgMetaData_Destroy(meta);
    }
    if (batchDone) batchDone();
    natsMsg_Ack(last, nullptr);  // ack-all: covers the whole batch
    natsMsgList_Destroy(&list);
    if (lastSeq > target.reached()) stalledSince = ReadTarget::Clock::now();
    if (!config_.follow && finished(target.onBatch(lastSeq, pending, ReadTarget::Clock::now()))) return;
  }
}

}  // namespace ncxdp
