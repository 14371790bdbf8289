#include "ring/SpscRing.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace ncxdp {

namespace {

constexpr std::size_t kMinCapacity = 4096;
// Record lengths live in a 32-bit header field; 1 GiB keeps every length far below that and is
// far more than a log ring needs.
constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;
// A length no real record can have (they are at most capacity/4) marks "the rest of the buffer
// is padding, the next record starts at offset 0".
constexpr std::uint32_t kWrapMarker = std::numeric_limits<std::uint32_t>::max();

constexpr std::size_t alignUp8(std::size_t n) {
  return (n + 7) & ~std::size_t{7};
}

// The buffer is only ever accessed at 8-aligned offsets, but memcpy keeps this free of aliasing
// questions and compiles to one plain load/store.
void writeHeader(std::uint8_t* at, std::uint32_t len) {
  const std::uint32_t header[2] = {len, 0};
  std::memcpy(at, header, sizeof header);
}

std::uint32_t readHeader(const std::uint8_t* at) {
  std::uint32_t len;
  std::memcpy(&len, at, sizeof len);
  return len;
}

}  // namespace

SpscRing::SpscRing(std::size_t capacityBytes) {
  if (capacityBytes > kMaxCapacity)
    throw std::runtime_error("SpscRing: capacity of " + std::to_string(capacityBytes) +
                             " bytes exceeds the 1 GiB limit");
  capacity_ = std::bit_ceil(std::max(capacityBytes, kMinCapacity));
  mask_ = capacity_ - 1;
  buf_.reset(new std::uint8_t[capacity_]);
  static_assert(kHeaderBytes == 2 * sizeof(std::uint32_t));
}

void SpscRing::prefault() {
  constexpr std::uintptr_t kHugePage = std::uintptr_t(2) << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(buf_.get());
  const std::uintptr_t alignedBegin = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t alignedEnd = (begin + capacity_) & ~(kHugePage - 1);
  // Fewer faults and TLB misses on a ring walked end to end; only an advice, failure is fine.
  if (alignedEnd > alignedBegin)
    madvise(reinterpret_cast<void*>(alignedBegin), alignedEnd - alignedBegin, MADV_HUGEPAGE);
  std::memset(buf_.get(), 0, capacity_);
}

// A quarter of the ring rather than the theoretical half: the worst case (record + padding up to
// the buffer end) then needs at most half the ring, so a maximal record fits whenever the ring
// is at most half full instead of only after the consumer has drained it completely. That keeps
// a blocking writer of large records from running in lockstep with the consumer.
std::size_t SpscRing::maxRecordBytes() const {
  return capacity_ / 4 - kHeaderBytes;
}

std::uint8_t* SpscRing::tryReserve(std::size_t len) {
  // A zero-length record could not be told apart from "no record" by front().
  if (len == 0 || len > maxRecordBytes()) return nullptr;
  const std::size_t need = kHeaderBytes + alignUp8(len);
  // Only this thread writes writeIndex_, so its own value needs no ordering.
  const std::uint64_t write = writeIndex_.load(std::memory_order_relaxed);
  const std::size_t offset = write & mask_;
  const std::size_t untilEnd = capacity_ - offset;
  // Offsets are multiples of 8, so untilEnd >= kHeaderBytes and a wrap marker always fits.
  const std::size_t padding = need <= untilEnd ? 0 : untilEnd;
  const std::uint64_t end = write + padding + need;
  if (end - readIndexCache_ > capacity_) {
    // Pairs with the release store in pop(): the consumer has finished reading every byte
    // before readIndex_, so we may overwrite them.
    readIndexCache_ = readIndex_.load(std::memory_order_acquire);
    if (end - readIndexCache_ > capacity_) return nullptr;
  }
  std::uint64_t start = write;
  if (padding != 0) {
    writeHeader(buf_.get() + offset, kWrapMarker);
    start += padding;
  }
  std::uint8_t* header = buf_.get() + (start & mask_);
  writeHeader(header, static_cast<std::uint32_t>(len));
  reservedEnd_ = end;
  return header + kHeaderBytes;
}

void SpscRing::commit() {
  // Pairs with the acquire load in locateFront(): the header, any wrap marker and the payload
  // written since tryReserve() become visible together with the new index.
  writeIndex_.store(reservedEnd_, std::memory_order_release);
}

bool SpscRing::tryPush(std::span<const std::uint8_t> bytes) {
  std::uint8_t* slot = tryReserve(bytes.size());
  if (slot == nullptr) return false;
  std::memcpy(slot, bytes.data(), bytes.size());
  commit();
  return true;
}

bool SpscRing::locateFront(std::uint64_t& payloadIndex, std::uint32_t& len) {
  // Only this thread writes readIndex_.
  std::uint64_t read = readIndex_.load(std::memory_order_relaxed);
  if (read == writeIndexCache_) {
    // Pairs with the release store in commit(): every byte before writeIndex_ is published.
    writeIndexCache_ = writeIndex_.load(std::memory_order_acquire);
    if (read == writeIndexCache_) return false;
  }
  len = readHeader(buf_.get() + (read & mask_));
  if (len == kWrapMarker) {
    // The producer publishes a wrap marker only together with the record after it, so a
    // record is waiting at offset 0.
    read += capacity_ - (read & mask_);
    len = readHeader(buf_.get() + (read & mask_));
  }
  payloadIndex = read + kHeaderBytes;
  return true;
}

std::span<const std::uint8_t> SpscRing::front() {
  std::uint64_t payloadIndex;
  std::uint32_t len;
  if (!locateFront(payloadIndex, len)) return {};
  return {buf_.get() + (payloadIndex & mask_), len};
}

void SpscRing::pop() {
  std::uint64_t payloadIndex;
  std::uint32_t len;
  if (!locateFront(payloadIndex, len)) return;
  // Pairs with the acquire load in tryReserve(): our reads of this record (and of the wrap
  // marker before it) happen before the producer may reuse the space.
  readIndex_.store(payloadIndex + alignUp8(len), std::memory_order_release);
}

std::size_t SpscRing::usedBytes() const {
  // Pairs with the release store in pop(): the consumer had seen a writeIndex_ >= this read
  // index before storing it, so the writeIndex_ loaded next is at least as large and the
  // difference cannot underflow. It can overshoot while the consumer runs, hence the clamp.
  const std::uint64_t read = readIndex_.load(std::memory_order_acquire);
  const std::uint64_t write = writeIndex_.load(std::memory_order_relaxed);
  return static_cast<std::size_t>(std::min<std::uint64_t>(write - read, capacity_));
}

bool SpscRing::empty() const {
  // A snapshot for loop conditions and metrics; front() does its own synchronisation before
  // any byte is read, so nothing here needs more than the ordering usedBytes() explains.
  const std::uint64_t read = readIndex_.load(std::memory_order_acquire);
  return writeIndex_.load(std::memory_order_relaxed) == read;
}

}  // namespace ncxdp
