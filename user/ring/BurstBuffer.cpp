#include "ring/BurstBuffer.h"

#include <algorithm>
#include <cstring>
#include <thread>

namespace ncxdp {

namespace {

// Entry layout after SpscRing's header: u64 arrivalUs, 16 address bytes, u16 port, payload.
// Fields are copied with memcpy: entries are 8-aligned but the payload length is arbitrary.
constexpr std::size_t kAddrOffset = 8;
constexpr std::size_t kPortOffset = kAddrOffset + 16;
static_assert(kPortOffset + 2 == BurstBuffer::kEntryOverhead);
static_assert(sizeof(Source::addr) == 16);

// Only the producer stores these counters, so a load + relaxed store is enough and avoids a
// locked read-modify-write per datagram.
void bump(std::atomic<std::uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// A full buffer while capture shuts down: the decoder frees room within microseconds per datagram,
// so a short sleep wastes no CPU and loses no time worth having.
constexpr auto kFullWait = std::chrono::microseconds(50);

}  // namespace

BurstBuffer::BurstBuffer(std::size_t capacityBytes) : ring_(capacityBytes) {
  // The capture thread must never stall, and a page fault per 4 KiB of a first burst is what
  // a cold buffer would cost it (tens of microseconds each in a VM).
  ring_.prefault();
}

bool BurstBuffer::tryPush(const Source& source, std::uint64_t arrivalUs,
                          std::span<const std::uint8_t> payload) {
  std::uint8_t* slot = ring_.tryReserve(kEntryOverhead + payload.size());
  if (slot == nullptr) return false;
  std::memcpy(slot, &arrivalUs, sizeof arrivalUs);
  std::memcpy(slot + kAddrOffset, source.addr.data(), source.addr.size());
  std::memcpy(slot + kPortOffset, &source.port, sizeof source.port);
  // memcpy with a null source is undefined even for 0 bytes (an empty span may have one).
  if (!payload.empty()) std::memcpy(slot + kEntryOverhead, payload.data(), payload.size());
  ring_.commit();
  bump(datagrams_);
  return true;
}

bool BurstBuffer::push(const Source& source, std::uint64_t arrivalUs, std::span<const std::uint8_t> payload) {
  if (kEntryOverhead + payload.size() > ring_.maxRecordBytes()) {
    bump(oversize_);
    return false;
  }
  if (tryPush(source, arrivalUs, payload)) return true;
  bump(full_);
  return false;
}

bool BurstBuffer::pushWaiting(const Source& source, std::uint64_t arrivalUs,
                              std::span<const std::uint8_t> payload, const std::atomic<bool>& giveUp) {
  if (kEntryOverhead + payload.size() > ring_.maxRecordBytes()) {
    bump(oversize_);
    return false;
  }
  while (!tryPush(source, arrivalUs, payload)) {
    if (giveUp.load(std::memory_order_acquire)) {
      bump(full_);
      return false;
    }
    // The consumer may be asleep with everything before this batch unannounced.
    publish();
    std::this_thread::sleep_for(kFullWait);
  }
  return true;
}

void BurstBuffer::publish() {
  // Used bytes only grow while the producer pushes, so the deepest point is at the end of some
  // batch: sampling here, once per batch, finds it without a shared load per datagram.
  const std::uint64_t used = ring_.usedBytes();
  if (used > highWater_.load(std::memory_order_relaxed)) highWater_.store(used, std::memory_order_relaxed);
  doorbell_.ring();
}

void BurstBuffer::close() {
  // Pairs with the acquire load in finished(): every datagram committed before is visible to a
  // consumer that sees closed_.
  closed_.store(true, std::memory_order_release);
  doorbell_.ring();
}

bool BurstBuffer::front(BufferedDatagram& out) {
  // SpscRing::front() synchronises with the producer's commit before any byte is read.
  const std::span<const std::uint8_t> entry = ring_.front();
  if (entry.empty()) return false;
  std::memcpy(&out.arrivalUs, entry.data(), sizeof out.arrivalUs);
  std::memcpy(out.source.addr.data(), entry.data() + kAddrOffset, out.source.addr.size());
  std::memcpy(&out.source.port, entry.data() + kPortOffset, sizeof out.source.port);
  out.payload = entry.subspan(kEntryOverhead);
  return true;
}

void BurstBuffer::pop() {
  ring_.pop();
}

void BurstBuffer::wait(std::chrono::milliseconds timeout) {
  doorbell_.wait(timeout, [this] { return closed_.load(std::memory_order_acquire) || !ring_.empty(); });
}

bool BurstBuffer::finished() const {
  // closed_ first: once it reads true, the ring's write index below includes every commit.
  return closed_.load(std::memory_order_acquire) && ring_.empty();
}

BurstBufferStats BurstBuffer::stats() const {
  BurstBufferStats out;
  out.capacity = ring_.capacity();
  out.usedBytes = ring_.usedBytes();
  out.datagrams = datagrams_.load(std::memory_order_relaxed);
  out.full = full_.load(std::memory_order_relaxed);
  out.oversize = oversize_.load(std::memory_order_relaxed);
  // The mark is sampled per batch; never report it below what is in use right now.
  out.highWaterBytes = std::max(highWater_.load(std::memory_order_relaxed), out.usedBytes);
  return out;
}

}  // namespace ncxdp
