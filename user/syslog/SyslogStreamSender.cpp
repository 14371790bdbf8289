#include "syslog/SyslogStreamSender.h"

#include <cinttypes>
#include <cstdio>

#include "util/ThreadName.h"

namespace ncxdp {

namespace {

constexpr std::size_t kWriteBytes = 64 << 10;     // frames joined into one write, at most
constexpr std::size_t kMaxRecycled = 8192;        // spare strings kept for the sink thread
constexpr std::chrono::milliseconds kSlice{200};  // the thread looks at new work at least this often
constexpr std::chrono::milliseconds kConnectTimeout{5000};
constexpr std::chrono::milliseconds kMinBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
// What a message costs against the buffer besides its bytes: the string and queue bookkeeping.
constexpr std::size_t kOverhead = 48;

std::string bytesText(std::uint64_t b) {
  return b >= (1u << 20) ? std::to_string(b >> 20) + " MiB" : std::to_string(b >> 10) + " KiB";
}

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

SyslogStreamSender::SyslogStreamSender(const SyslogSpec& spec)
    : spec_(spec), where_(spec.describe()), conn_(spec_) {
  thread_ = std::thread([this] { run(); });
}

SyslogStreamSender::~SyslogStreamSender() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

bool SyslogStreamSender::reserve(std::size_t bytes) {
  // Only this (sink) thread adds; the sender thread only subtracts, so the check cannot overshoot.
  const std::uint64_t cost = bytes + kOverhead;
  if (bufferedBytes_.load(std::memory_order_relaxed) + cost > spec_.bufferBytes) return false;
  bufferedBytes_.fetch_add(cost, std::memory_order_relaxed);
  bufferedRecords_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void SyslogStreamSender::release(std::size_t records, std::size_t bytes) {
  bufferedBytes_.fetch_sub(bytes + records * kOverhead, std::memory_order_relaxed);
  bufferedRecords_.fetch_sub(records, std::memory_order_relaxed);
}

void SyslogStreamSender::submit(std::vector<std::string>& batch) {
  if (batch.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (std::string& m : batch) incoming_.push_back(std::move(m));
  }
  batch.clear();
  cv_.notify_one();
}

void SyslogStreamSender::takeRecycled(std::vector<std::string>& pool, std::size_t max) {
  std::lock_guard lock(mu_);
  while (!recycled_.empty() && pool.size() < max) {
    pool.push_back(std::move(recycled_.back()));
    recycled_.pop_back();
  }
}

void SyslogStreamSender::finish() {
  {
    std::lock_guard lock(mu_);
    if (finishing_ || !thread_.joinable()) return;
    finishing_ = true;
    drainDeadline_ = Clock::now() + std::chrono::milliseconds(spec_.drainMs);
  }
  cv_.notify_one();
  thread_.join();
}

SyslogSenderStats SyslogStreamSender::stats() const {
  SyslogSenderStats s;
  s.delivered = delivered_.load(std::memory_order_relaxed);
  s.resent = resent_.load(std::memory_order_relaxed);
  s.lost = lost_.load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  s.bufferedRecords = bufferedRecords_.load(std::memory_order_relaxed);
  s.bufferedBytes = bufferedBytes_.load(std::memory_order_relaxed);
  s.connected = connected_.load(std::memory_order_relaxed);
  return s;
}

void SyslogStreamSender::connectionLost(const std::string& why) {
  // Frames wholly inside what was written are delivered; a frame cut in the middle goes again.
  std::size_t done = 0;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < outFrames_ && bytes + pending_[i].size() <= outSent_; ++i) {
    bytes += pending_[i].size();
    ++done;
  }
  if (done < outFrames_ && outSent_ > bytes) resent_.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < done; ++i) {
    recycleLocal_.push_back(std::move(pending_.front()));
    recycleLocal_.back().clear();
    pending_.pop_front();
  }
  release(done, bytes);
  delivered_.fetch_add(done, std::memory_order_relaxed);
  out_.clear();
  outFrames_ = 0;
  outSent_ = 0;
  conn_.close();
  connected_.store(false, std::memory_order_relaxed);
  std::fprintf(stderr, "ncxdp: syslog %s: connection lost (%s); reconnecting, records wait in a %s buffer\n",
               where_.c_str(), why.c_str(), bytesText(spec_.bufferBytes).c_str());
  down_ = true;
  downSince_ = Clock::now();
  lastError_ = why;
  backoff_ = std::chrono::milliseconds(0);
  retryAt_ = Clock::now();  // a restarted server is usually back at once: try now, then back off
}

bool SyslogStreamSender::sendPending() {
  const Clock::time_point until = Clock::now() + kSlice;
  for (;;) {
    if (out_.empty()) {
      if (pending_.empty()) return true;
      outFrames_ = 0;
      outSent_ = 0;
      for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if (outFrames_ > 0 && out_.size() + it->size() > kWriteBytes) break;
        out_ += *it;
        ++outFrames_;
      }
    }
    // With TLS, a write that would block must be repeated with the same bytes: out_ stays as it
    // is until written whole or the connection is dropped.
    const ssize_t n = conn_.writeSome(out_.data() + outSent_, out_.size() - outSent_);
    if (n < 0) return false;
    outSent_ += std::size_t(n);
    if (outSent_ == out_.size()) {
      for (std::size_t i = 0; i < outFrames_; ++i) {
        recycleLocal_.push_back(std::move(pending_.front()));
        recycleLocal_.back().clear();
        pending_.pop_front();
      }
      release(outFrames_, out_.size());
      delivered_.fetch_add(outFrames_, std::memory_order_relaxed);
      out_.clear();
      outFrames_ = 0;
      outSent_ = 0;
    }
    if (Clock::now() >= until) return true;
    if (n == 0)
      conn_.waitWritable(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()));
  }
}

void SyslogStreamSender::run() {
  nameThisThread("ncxdp-syslog");
  std::unique_lock lock(mu_);
  for (;;) {
    for (std::string& m : incoming_) pending_.push_back(std::move(m));
    incoming_.clear();
    while (!recycleLocal_.empty() && recycled_.size() < kMaxRecycled) {
      recycled_.push_back(std::move(recycleLocal_.back()));
      recycleLocal_.pop_back();
    }
    recycleLocal_.clear();
    const Clock::time_point now = Clock::now();
    if (stop_) break;
    if (finishing_ && pending_.empty()) break;
    if (finishing_ && now >= drainDeadline_) break;
    const bool finishing = finishing_;
    const Clock::time_point drainDeadline = drainDeadline_;
    lock.unlock();

    if (!conn_.isOpen() && now >= retryAt_) {
      Clock::time_point deadline = now + kConnectTimeout;
      if (finishing && drainDeadline < deadline) deadline = drainDeadline;
      const std::string err = conn_.connect(deadline);
      if (err.empty()) {
        connected_.store(true, std::memory_order_relaxed);
        if (everConnected_) reconnects_.fetch_add(1, std::memory_order_relaxed);
        if (down_)
          std::fprintf(stderr, "ncxdp: syslog %s: %s after %.1f s (%zu records buffered)\n", where_.c_str(),
                       everConnected_ ? "reconnected" : "connected", secondsSince(downSince_),
                       pending_.size());
        everConnected_ = true;
        down_ = false;
        backoff_ = std::chrono::milliseconds(0);
      } else {
        if (!down_ || err != lastError_)
          std::fprintf(stderr, "ncxdp: syslog %s: %s; retrying, records wait in a %s buffer\n",
                       where_.c_str(), err.c_str(), bytesText(spec_.bufferBytes).c_str());
        if (!down_) downSince_ = now;
        down_ = true;
        lastError_ = err;
        backoff_ = std::min(kMaxBackoff, std::max(kMinBackoff, backoff_ * 2));
        retryAt_ = Clock::now() + backoff_;
      }
    }
    if (conn_.isOpen()) {
      // A server that went away is noticed before writing to it, not by losing the next write.
      if (out_.empty() && conn_.peerGone())
        connectionLost(conn_.error());
      else if (!pending_.empty() && !sendPending())
        connectionLost(conn_.error());
    }

    lock.lock();
    if (stop_ || !incoming_.empty() || (finishing_ && !finishing)) continue;
    if (conn_.isOpen() && !pending_.empty()) continue;  // more to write: no sleeping
    Clock::time_point wake = Clock::now() + kSlice;
    if (!conn_.isOpen() && retryAt_ < wake) wake = retryAt_;
    cv_.wait_until(lock, wake, [this] { return stop_ || !incoming_.empty() || finishing_; });
    // finishing_ stays true: do not spin on it while waiting for a reconnect.
    if (finishing_ && incoming_.empty() && !stop_ && !conn_.isOpen() && Clock::now() < retryAt_)
      cv_.wait_until(lock, std::min(retryAt_, drainDeadline_),
                     [this] { return stop_ || !incoming_.empty(); });
  }
  // Under the lock: whatever did not go out is lost, and counted.
  for (std::string& m : incoming_) pending_.push_back(std::move(m));
  incoming_.clear();
  const std::size_t left = pending_.size();
  if (left > 0) {
    std::size_t bytes = 0;
    for (const std::string& m : pending_) bytes += m.size();
    release(left, bytes);
    lost_.fetch_add(left, std::memory_order_relaxed);
    pending_.clear();
    std::fprintf(stderr,
                 "ncxdp: syslog %s: %zu record(s) not sent within the drain time (drain=%" PRIu64
                 " ms); lost\n",
                 where_.c_str(), left, spec_.drainMs);
  }
  out_.clear();
  conn_.close();
  connected_.store(false, std::memory_order_relaxed);
}

}  // namespace ncxdp
