#include "nats/NatsPublisher.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <stdexcept>

#include "nats/NatsConnection.h"
#include "nats/SpillFile.h"
#include "util/ThreadName.h"

namespace ncxdp {

namespace {

using Clock = std::chrono::steady_clock;

// A message carries at most this much: large enough that one message per round trip keeps up
// with a flood from one sender, small enough that a retry resends little.
constexpr std::size_t kMaxMessageBytes = 256 * 1024;
constexpr std::size_t kMaxMessageRecords = 1000;
// Room for the headers next to the payload under the server's max_payload.
constexpr std::size_t kHeaderRoom = 1024;
constexpr auto kBackoffFirst = std::chrono::milliseconds(100);
constexpr auto kBackoffMax = std::chrono::milliseconds(2000);
constexpr auto kStreamRetry = std::chrono::milliseconds(1000);
// Backstop for the wait: timers are computed exactly, this only bounds a missed wakeup.
constexpr auto kIdleWait = std::chrono::milliseconds(200);
constexpr std::size_t kMaxRecycled = 8192;
constexpr auto kEvictEvery = std::chrono::seconds(60);
constexpr auto kEvictIdle = std::chrono::minutes(10);
constexpr std::size_t kMaxRecycledLine = 64 * 1024;

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "ncxdp";
  std::string out;
  for (const char* p = buf; *p != '\0'; ++p) {
    const char c = *p;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    out += ok ? c : '_';
  }
  return out;
}

std::string newInbox() {
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK) throw std::runtime_error("nats inbox: " + natsErrorText(NATS_ERR));
  std::string out(inbox);
  natsInbox_Destroy(inbox);
  return out;
}

std::string bytesText(std::uint64_t b) {
  return b >= (1u << 20) ? std::to_string(b >> 20) + " MiB" : std::to_string(b >> 10) + " KiB";
}

// "<inbox>.<lane>.<serial>.<attempt>" -> the three numbers.
bool parseReply(std::string_view subject, std::size_t inboxLen, std::uint32_t& lane, std::uint64_t& serial,
                std::uint32_t& attempt) {
  if (subject.size() <= inboxLen + 1) return false;
  std::string_view rest = subject.substr(inboxLen + 1);
  auto field = [&rest](auto& out) {
    const std::size_t dot = rest.find('.');
    const std::string_view f = rest.substr(0, dot);
    const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), out);
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    return ec == std::errc() && end == f.data() + f.size();
  };
  return field(lane) && field(serial) && field(attempt);
}

}  // namespace

NatsPublisher::NatsPublisher(const NatsSpec& spec, std::string receiverId, SpillFile& spill)
    : spec_(spec),
      receiverId_(receiverId.empty() ? hostName() : std::move(receiverId)),
      inbox_(newInbox()),
      idPrefix_(receiverId_ + "." +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count()) +
                "."),
      spill_(spill) {
  conn_ = std::make_unique<NatsConnection>(spec_, "ncxdp " + receiverId_, /*waitForServer=*/true, nullptr,
                                           [this] {
                                             std::lock_guard lock(mu_);
                                             connChanged_ = true;
                                             cv_.notify_one();
                                           });
  if (conn_->state() != NatsConnection::State::Connected)
    std::fprintf(stderr,
                 "ncxdp: nats: no server reachable at %s yet; waiting for one (records wait in a %s "
                 "buffer, then go to %s)\n",
                 spec_.serverList().c_str(), bytesText(spec_.bufferBytes).c_str(), spill_.path().c_str());
  const std::string acks = inbox_ + ".>";
  natsStatus s = natsConnection_Subscribe(&sub_, conn_->nc(), acks.c_str(), onMessage, this);
  if (s == NATS_OK) s = natsSubscription_SetOnCompleteCB(sub_, onSubscriptionDone, this);
  // Acks must never be dropped as a slow consumer: a lost ack only costs a retry, but an
  // unbounded number of them would cost a retry storm.
  if (s == NATS_OK) s = natsSubscription_SetPendingLimits(sub_, -1, -1);
  if (s != NATS_OK) {
    if (sub_ != nullptr) natsSubscription_Destroy(sub_);
    throw std::runtime_error("nats: subscribe to acknowledgements: " + natsErrorText(s));
  }
  {
    std::lock_guard lock(mu_);
    connChanged_ = true;  // let the thread look at the state once
  }
  thread_ = std::thread([this] { run(); });
}

NatsPublisher::~NatsPublisher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  // The ack callback runs on the subscription's own thread: wait until that thread is gone
  // before the members it uses are.
  natsSubscription_Unsubscribe(sub_);
  {
    std::unique_lock lock(mu_);
    subDoneCv_.wait_for(lock, std::chrono::seconds(5), [this] { return subDone_; });
  }
  natsSubscription_Destroy(sub_);
  conn_.reset();
}

bool NatsPublisher::reserve(std::size_t bytes) {
  // Only the sink thread adds, so load-then-add cannot overshoot; the publisher only subtracts.
  if (bufferedBytes_.load(std::memory_order_relaxed) + bytes > spec_.bufferBytes) return false;
  bufferedBytes_.fetch_add(bytes, std::memory_order_relaxed);
  bufferedRecords_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void NatsPublisher::submit(std::vector<OutRecord>& batch) {
  if (batch.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (incoming_.empty()) {
      incoming_.swap(batch);
    } else {
      for (OutRecord& r : batch) incoming_.push_back(std::move(r));
      batch.clear();
    }
  }
  cv_.notify_one();
}

void NatsPublisher::takeRecycled(std::vector<OutRecord>& pool, std::size_t max) {
  std::lock_guard lock(mu_);
  while (!recycled_.empty() && pool.size() < max) {
    pool.push_back(std::move(recycled_.back()));
    recycled_.pop_back();
  }
}

void NatsPublisher::finish() {
  {
    std::lock_guard lock(mu_);
    finishing_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

NatsPublisherStats NatsPublisher::stats() const {
  NatsPublisherStats s;
  s.delivered = delivered_.load(std::memory_order_relaxed);
  s.messages = messages_.load(std::memory_order_relaxed);
  s.duplicates = duplicates_.load(std::memory_order_relaxed);
  s.retries = retries_.load(std::memory_order_relaxed);
  s.spilled = spilled_.load(std::memory_order_relaxed);
  s.bufferedRecords = bufferedRecords_.load(std::memory_order_relaxed);
  s.bufferedBytes = bufferedBytes_.load(std::memory_order_relaxed);
  s.connected = conn_->state() == NatsConnection::State::Connected;
  return s;
}

// cnats's subscription thread: turn the reply into an Ack for the publisher thread.
void NatsPublisher::onMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* self) {
  auto* p = static_cast<NatsPublisher*>(self);
  Ack a;
  const char* subject = natsMsg_GetSubject(msg);
  if (subject == nullptr || !parseReply(subject, p->inbox_.size(), a.lane, a.serial, a.attempt)) {
    natsMsg_Destroy(msg);
    return;
  }
  if (natsMsg_IsNoResponders(msg)) {
    a.kind = AckKind::NoResponders;
    a.text = "no responders (no stream takes the subject, or it has no leader)";
  } else {
    const char* data = natsMsg_GetData(msg);
    const int len = natsMsg_GetDataLength(msg);
    try {
      const auto j = nlohmann::json::parse(data, data + len);
      if (auto e = j.find("error"); e != j.end() && e->is_object()) {
        a.kind = AckKind::Error;
        a.errCode = e->value("err_code", 0);
        a.text = e->value("description", std::string("unknown error"));
      } else if (j.contains("seq")) {
        a.kind = j.value("duplicate", false) ? AckKind::Duplicate : AckKind::Stored;
      } else {
        a.kind = AckKind::Error;
        a.text = "unexpected reply: " + std::string(data, std::size_t(len)).substr(0, 200);
      }
    } catch (const nlohmann::json::exception&) {
      a.kind = AckKind::Error;
      a.text = "reply is not JSON: " + std::string(data, std::size_t(len)).substr(0, 200);
    }
  }
  natsMsg_Destroy(msg);
  {
    std::lock_guard lock(p->mu_);
    p->acks_.push_back(std::move(a));
  }
  p->cv_.notify_one();
}

void NatsPublisher::onSubscriptionDone(void* self) {
  auto* p = static_cast<NatsPublisher*>(self);
  std::lock_guard lock(p->mu_);
  p->subDone_ = true;
  p->subDoneCv_.notify_all();
}

void NatsPublisher::release(std::size_t records, std::size_t bytes) {
  bufferedBytes_.fetch_sub(bytes, std::memory_order_relaxed);
  bufferedRecords_.fetch_sub(records, std::memory_order_relaxed);
}

void NatsPublisher::recycle(OutRecord&& r) {
  // Enough spare records for the sink's next batches; beyond that, or for an unusually large
  // line, memory goes back to the allocator instead of staying pinned in the pool.
  if (recycleLocal_.size() >= kMaxRecycled || r.line.capacity() > kMaxRecycledLine) return;
  r.line.clear();
  r.token.clear();
  recycleLocal_.push_back(std::move(r));
}

void NatsPublisher::enqueue(OutRecord&& r, Clock::time_point now) {
  auto [it, inserted] = laneByToken_.try_emplace(r.token, 0);
  if (inserted) {
    auto lane = std::make_unique<Lane>();
    lane->token = r.token;
    lane->subject = spec_.prefix + "." + r.token;
    if (freeLanes_.empty()) {
      it->second = std::uint32_t(lanes_.size());
      lanes_.push_back(std::move(lane));
    } else {
      it->second = freeLanes_.back();
      freeLanes_.pop_back();
      lanes_[it->second] = std::move(lane);
    }
  }
  const std::uint32_t idx = it->second;
  lanes_[idx]->queue.push_back(std::move(r));
  lanes_[idx]->lastActive = now;
  schedule(idx);
}

// Forgets senders that have been quiet for a while, so a long run with many short-lived senders
// keeps a bounded number of lanes. Only idle lanes go: nothing queued, in flight or listed. A
// reused slot gets new message serials, so late answers for the old lane are ignored.
void NatsPublisher::evictIdleLanes(Clock::time_point now) {
  if (now - lastEviction_ < kEvictEvery) return;
  lastEviction_ = now;
  for (std::uint32_t i = 0; i < lanes_.size(); ++i) {
    const Lane* lane = lanes_[i].get();
    if (lane == nullptr || !lane->queue.empty() || lane->awaiting || lane->listed ||
        now - lane->lastActive < kEvictIdle)
      continue;
    laneByToken_.erase(lane->token);
    lanes_[i].reset();
    freeLanes_.push_back(i);
  }
}

// Puts a lane with work and nothing in flight on the ready list (or parks it during a backoff).
void NatsPublisher::schedule(std::uint32_t idx) {
  Lane& lane = *lanes_[idx];
  if (lane.listed || lane.awaiting || lane.queue.empty()) return;
  lane.listed = true;
  if (lane.retryAt <= Clock::now() && connected_ && streamReady_)
    ready_.push_back(idx);
  else
    parked_.push_back(idx);
}

void NatsPublisher::send(Lane& lane, std::uint32_t idx, Clock::time_point now) {
  if (lane.sending == 0) {
    // A new message: as many queued records as fit. It stays fixed until acknowledged.
    lane.payload.clear();
    while (lane.sending < lane.queue.size() && lane.sending < kMaxMessageRecords) {
      const std::string& line = lane.queue[lane.sending].line;
      if (lane.sending > 0 && lane.payload.size() + line.size() > maxMessageBytes_) break;
      lane.payload += line;
      ++lane.sending;
    }
    lane.serial = nextSerial_++;
    lane.attempt = 0;
    lane.msgId = idPrefix_;
    lane.msgId += lane.token;
    lane.msgId += '.';
    lane.msgId += std::to_string(lane.serial);
    if (lane.payload.size() > maxMessageBytes_) {
      spillInFlight(lane, idx, "larger than the server accepts");
      return;
    }
  }
  ++lane.attempt;
  const std::string reply = inbox_ + "." + std::to_string(idx) + "." + std::to_string(lane.serial) + "." +
                            std::to_string(lane.attempt);
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, lane.subject.c_str(), reply.c_str(), lane.payload.data(),
                                int(lane.payload.size()));
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Nats-Msg-Id", lane.msgId.c_str());
  // The stream must be ours: a subject some other stream also captures is refused, not misfiled.
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Nats-Expected-Stream", spec_.stream.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Ncxdp-Receiver", receiverId_.c_str());
  if (s == NATS_OK) s = natsConnection_PublishMsg(conn_->nc(), msg);
  natsMsg_Destroy(msg);
  lane.awaiting = true;
  if (s != NATS_OK) {
    fail(lane, idx, "publish: " + natsErrorText(s), true, now);
    return;
  }
  timeouts_.push_back({now + std::chrono::milliseconds(spec_.ackTimeoutMs), idx, lane.serial, lane.attempt});
}

void NatsPublisher::delivered(Lane& lane, std::uint32_t idx, bool duplicate) {
  const std::size_t n = lane.sending;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    bytes += cost(lane.queue.front());
    recycle(std::move(lane.queue.front()));
    lane.queue.pop_front();
  }
  release(n, bytes);
  delivered_.fetch_add(n, std::memory_order_relaxed);
  messages_.fetch_add(1, std::memory_order_relaxed);
  if (duplicate) duplicates_.fetch_add(1, std::memory_order_relaxed);
  lane.sending = 0;
  lane.awaiting = false;
  lane.failures = 0;
  if (stalled_) {
    stalled_ = false;
    const double secs = std::chrono::duration<double>(Clock::now() - stalledSince_).count();
    std::fprintf(stderr, "ncxdp: nats: publishing resumed after %.1f s (%" PRIu64 " retries)\n", secs,
                 retries_.load(std::memory_order_relaxed) - retriesAtStall_);
  }
  schedule(idx);
}

void NatsPublisher::spillInFlight(Lane& lane, std::uint32_t idx, std::string_view why) {
  const std::size_t n = lane.sending;
  std::size_t bytes = 0;
  std::string lines;
  for (std::size_t i = 0; i < n; ++i) {
    bytes += cost(lane.queue.front());
    lines += lane.queue.front().line;
    recycle(std::move(lane.queue.front()));
    lane.queue.pop_front();
  }
  spill_.append(lines, n);
  spilled_.fetch_add(n, std::memory_order_relaxed);
  release(n, bytes);
  std::fprintf(stderr, "ncxdp: nats: %zu record(s) of %s %.*s; written to %s\n", n, lane.subject.c_str(),
               int(why.size()), why.data(), spill_.path().c_str());
  lane.sending = 0;
  lane.awaiting = false;
  schedule(idx);
}

void NatsPublisher::fail(Lane& lane, std::uint32_t idx, std::string_view why, bool backoff,
                         Clock::time_point now) {
  lane.awaiting = false;
  ++lane.failures;
  retries_.fetch_add(1, std::memory_order_relaxed);
  if (!stalled_) {
    stalled_ = true;
    stalledSince_ = now;
    retriesAtStall_ = retries_.load(std::memory_order_relaxed) - 1;
    std::fprintf(stderr,
                 "ncxdp: nats: publishing to %s stalled: %.*s; records wait in the buffer (%" PRIu64
                 " now) and are retried\n",
                 lane.subject.c_str(), int(why.size()), why.data(),
                 bufferedRecords_.load(std::memory_order_relaxed));
  }
  auto delay = std::chrono::milliseconds(0);
  if (backoff) {
    delay = kBackoffFirst * (1 << std::min(lane.failures - 1, 5));
    delay = std::min(delay, std::chrono::duration_cast<std::chrono::milliseconds>(kBackoffMax));
  }
  lane.retryAt = now + delay;
  schedule(idx);
}

void NatsPublisher::handleAck(const Ack& a, Clock::time_point now) {
  if (a.lane >= lanes_.size() || lanes_[a.lane] == nullptr) return;
  Lane& lane = *lanes_[a.lane];
  // Only answers about the message in flight count. An earlier attempt's success is still a
  // success (the message is stored); an earlier attempt's failure is stale once a newer is out.
  if (lane.sending == 0 || a.serial != lane.serial) return;
  switch (a.kind) {
    case AckKind::Stored:
    case AckKind::Duplicate:
      if (lane.listed) {
        // A retry is scheduled but has not gone out: the stored attempt makes it unnecessary.
        lane.listed = false;
        std::erase(ready_, a.lane);
        std::erase(parked_, a.lane);
      }
      delivered(lane, a.lane, a.kind == AckKind::Duplicate);
      return;
    case AckKind::NoResponders:
      if (a.attempt != lane.attempt || !lane.awaiting) return;
      // Either no leader yet (election) or the stream is gone: check it before going on.
      streamReady_ = false;
      fail(lane, a.lane, a.text, true, now);
      return;
    case AckKind::Error:
      if (a.attempt != lane.attempt || !lane.awaiting) return;
      if (a.errCode == JSStreamMessageExceedsMaximumErr) {
        spillInFlight(lane, a.lane, "rejected: " + a.text);
        return;
      }
      if (a.errCode == JSStreamNotFoundErr) streamReady_ = false;
      fail(lane, a.lane, a.text + (a.errCode ? " (err_code " + std::to_string(a.errCode) + ")" : ""), true,
           now);
      return;
  }
}

bool NatsPublisher::ensureStream() {
  jsCtx* js = conn_->js();
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = jsErrCode(0);
  jsOptions opts;
  jsOptions_Init(&opts);
  opts.Wait = 2000;
  natsStatus s = js_GetStreamInfo(&si, js, spec_.stream.c_str(), &opts, &jerr);
  std::string error;
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
    const std::string subjects = spec_.prefix + ".>";
    const char* subjectList[] = {subjects.c_str()};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = spec_.stream.c_str();
    cfg.Description = "netconsole records published by ncxdp";
    cfg.Subjects = subjectList;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Replicas = spec_.replicas;
    cfg.Duplicates = std::int64_t(spec_.dedupMs) * 1'000'000;
    jerr = jsErrCode(0);
    s = js_AddStream(&si, js, &cfg, &opts, &jerr);
    if (s == NATS_OK)
      std::fprintf(stderr, "ncxdp: nats: created stream %s (subjects %s, replicas %d)\n",
                   spec_.stream.c_str(), subjects.c_str(), spec_.replicas);
    else
      error = "cannot create stream " + spec_.stream + ": " + natsErrorText(s);
  } else if (s != NATS_OK) {
    error = "cannot look up stream " + spec_.stream + ": " + natsErrorText(s);
  }
  if (s == NATS_OK && si != nullptr) {
    const jsStreamConfig* cfg = si->Config;
    const std::string want = spec_.prefix + ".>";
    bool covers = false;
    for (int i = 0; i < cfg->SubjectsLen; ++i)
      covers = covers || want == cfg->Subjects[i] || std::string_view(cfg->Subjects[i]) == ">";
    if (!covers && lastStreamError_ != "subjects")
      std::fprintf(stderr,
                   "ncxdp: nats: stream %s exists but does not list subjects %s; publishes may be refused\n",
                   spec_.stream.c_str(), want.c_str());
    if (!covers) lastStreamError_ = "subjects";
    std::size_t limit = kMaxMessageBytes;
    if (const auto mp = conn_->maxPayload(); mp > std::int64_t(kHeaderRoom))
      limit = std::min(limit, std::size_t(mp) - kHeaderRoom);
    if (cfg->MaxMsgSize > std::int32_t(kHeaderRoom))
      limit = std::min(limit, std::size_t(cfg->MaxMsgSize) - kHeaderRoom);
    maxMessageBytes_ = limit;
    jsStreamInfo_Destroy(si);
    lastStreamError_.clear();
    return true;
  }
  if (si != nullptr) jsStreamInfo_Destroy(si);
  if (error != lastStreamError_) std::fprintf(stderr, "ncxdp: nats: %s; retrying\n", error.c_str());
  lastStreamError_ = error;
  return false;
}

void NatsPublisher::connectionChanged(Clock::time_point now) {
  const NatsConnection::State st = conn_->state();
  const bool up = st == NatsConnection::State::Connected;
  if (up == connected_) return;
  connected_ = up;
  if (up) {
    if (!everConnected_)
      std::fprintf(stderr, "ncxdp: nats: connected to %s\n", conn_->connectedUrl().c_str());
    else
      std::fprintf(stderr, "ncxdp: nats: reconnected to %s (%" PRIu64 " records buffered)\n",
                   conn_->connectedUrl().c_str(), bufferedRecords_.load(std::memory_order_relaxed));
    everConnected_ = true;
    // An attempt sent before the disconnect may never be answered: send it again now (same id,
    // so JetStream drops it if it was stored) instead of waiting for its timeout.
    for (std::uint32_t i = 0; i < lanes_.size(); ++i) {
      if (lanes_[i] == nullptr) continue;
      Lane& lane = *lanes_[i];
      if (lane.awaiting) {
        lane.awaiting = false;
        lane.retryAt = now;
        retries_.fetch_add(1, std::memory_order_relaxed);
        schedule(i);
      }
    }
  } else if (everConnected_) {
    std::fprintf(stderr,
                 "ncxdp: nats: disconnected; reconnecting (records wait in the buffer, %" PRIu64 " now)\n",
                 bufferedRecords_.load(std::memory_order_relaxed));
  }
}

void NatsPublisher::spillEverything() {
  std::uint64_t total = 0;
  std::string lines;
  for (std::uint32_t i = 0; i < lanes_.size(); ++i) {
    if (lanes_[i] == nullptr) continue;
    Lane& lane = *lanes_[i];
    std::size_t bytes = 0;
    for (OutRecord& r : lane.queue) {
      lines += r.line;
      bytes += cost(r);
    }
    const std::size_t n = lane.queue.size();
    if (n == 0) continue;
    spill_.append(lines, n);
    lines.clear();
    release(n, bytes);
    total += n;
    lane.queue.clear();
    lane.sending = 0;
    lane.awaiting = false;
  }
  spill_.flush();
  spilled_.fetch_add(total, std::memory_order_relaxed);
  if (total != 0)
    std::fprintf(stderr,
                 "ncxdp: nats: %" PRIu64 " record(s) not acknowledged within the %" PRIu64
                 " ms drain time; written to %s (the last message of a source may also have been stored)\n",
                 total, spec_.drainMs, spill_.path().c_str());
}

void NatsPublisher::run() {
  nameThisThread("ncxdp-nats");
  std::vector<OutRecord> incoming;
  std::vector<Ack> acks;
  maxMessageBytes_ = kMaxMessageBytes;
  for (;;) {
    bool connChanged = false;
    bool finishing = false;
    {
      std::unique_lock lock(mu_);
      if (!recycleLocal_.empty()) {
        for (OutRecord& r : recycleLocal_)
          if (recycled_.size() < kMaxRecycled) recycled_.push_back(std::move(r));
        recycleLocal_.clear();
      }
      auto wakeAt = Clock::now() + kIdleWait;
      if (!timeouts_.empty()) wakeAt = std::min(wakeAt, timeouts_.front().at);
      for (std::uint32_t idx : parked_) wakeAt = std::min(wakeAt, lanes_[idx]->retryAt);
      if (connected_ && !streamReady_) wakeAt = std::min(wakeAt, streamRetryAt_);
      if (finishing_) wakeAt = std::min(wakeAt, drainDeadline_);
      cv_.wait_until(lock, wakeAt, [this] {
        return stop_ || connChanged_ || !incoming_.empty() || !acks_.empty() ||
               (finishing_ && !drainStarted_);
      });
      if (stop_) return;
      incoming.swap(incoming_);
      acks.swap(acks_);
      connChanged = connChanged_;
      connChanged_ = false;
      finishing = finishing_;
    }
    auto now = Clock::now();
    if (finishing && !drainStarted_) {
      drainStarted_ = true;
      drainDeadline_ = now + std::chrono::milliseconds(spec_.drainMs);
    }
    if (connChanged) connectionChanged(now);
    for (OutRecord& r : incoming) enqueue(std::move(r), now);
    incoming.clear();
    for (const Ack& a : acks) handleAck(a, now);
    acks.clear();

    // Attempts whose ack did not come in time: send them again (same message, same id).
    while (!timeouts_.empty() && timeouts_.front().at <= now) {
      const Timeout t = timeouts_.front();
      timeouts_.pop_front();
      if (lanes_[t.lane] == nullptr) continue;
      Lane& lane = *lanes_[t.lane];
      if (lane.awaiting && lane.serial == t.serial && lane.attempt == t.attempt)
        fail(lane, t.lane, "no acknowledgement within " + std::to_string(spec_.ackTimeoutMs) + " ms", false,
             now);
    }

    if (connected_ && !streamReady_ && now >= streamRetryAt_) {
      streamReady_ = ensureStream();
      now = Clock::now();
      if (!streamReady_) streamRetryAt_ = now + kStreamRetry;
    }
    // Parked lanes whose wait is over go back to the ready list.
    if (connected_ && streamReady_ && !parked_.empty()) {
      std::erase_if(parked_, [&](std::uint32_t idx) {
        if (lanes_[idx]->retryAt > now) return false;
        ready_.push_back(idx);
        return true;
      });
    }
    if (connected_ && streamReady_) {
      while (!ready_.empty()) {
        const std::uint32_t idx = ready_.front();
        ready_.pop_front();
        Lane& lane = *lanes_[idx];
        lane.listed = false;
        if (lane.awaiting || lane.queue.empty()) continue;
        send(lane, idx, now);
      }
    } else if (!ready_.empty()) {
      for (std::uint32_t idx : ready_) parked_.push_back(idx);
      ready_.clear();
    }

    evictIdleLanes(now);

    if (finishing) {
      if (bufferedRecords_.load(std::memory_order_relaxed) == 0) break;
      if (now >= drainDeadline_) {
        spillEverything();
        break;
      }
    }
  }
  std::lock_guard lock(mu_);
  for (OutRecord& r : recycleLocal_) recycled_.push_back(std::move(r));
  recycleLocal_.clear();
}

}  // namespace ncxdp
