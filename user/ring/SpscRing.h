// Lock-free single-producer single-consumer ring of variable-length byte records in one
// preallocated buffer. The capture thread is the only producer, the sink thread the only consumer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace ncxdp {

class SpscRing {
 public:
  // capacityBytes is rounded up to a power of two (at least 4096). Allocates once, here.
  explicit SpscRing(std::size_t capacityBytes);
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Before either side runs: backs the whole buffer with memory now (transparent huge pages
  // where the system allows them), so the first pass through it takes no page faults. For rings
  // whose producer must never stall; costs the full capacity in resident memory from the start.
  void prefault();

  // --- producer side ---
  // Reserves len contiguous bytes for one record. Returns nullptr when the ring has no room now
  // (the caller counts a drop) or when len can never fit (maxRecordBytes()). Never blocks.
  [[nodiscard]] std::uint8_t* tryReserve(std::size_t len);
  // Publishes the record reserved by the last successful tryReserve().
  void commit();
  // Convenience: tryReserve + copy + commit.
  [[nodiscard]] bool tryPush(std::span<const std::uint8_t> bytes);

  // --- consumer side ---
  // The oldest published record, or an empty span when there is none.
  std::span<const std::uint8_t> front();
  // Releases the record returned by front().
  void pop();

  // --- either side (approximate while the other side runs) ---
  std::size_t capacity() const { return capacity_; }
  std::size_t usedBytes() const;
  std::size_t maxRecordBytes() const;
  bool empty() const;

 private:
  // Every record starts with this header; the payload follows, and the next record starts at the
  // next multiple of 8 so headers never straddle an alignment boundary.
  static constexpr std::size_t kHeaderBytes = 8;
  // x86-64 and most arm64 cores; one line per index keeps the two threads off each other's lines.
  static constexpr std::size_t kCacheLine = 64;

  // Read-only after construction, shared by both threads.
  std::unique_ptr<std::uint8_t[]> buf_;
  std::size_t capacity_;
  std::size_t mask_;

  // Producer-private: the consumer's index as last seen (refreshed only when the ring looks full)
  // and where the pending reservation ends.
  alignas(kCacheLine) std::uint64_t readIndexCache_ = 0;
  std::uint64_t reservedEnd_ = 0;
  // Free-running byte indices (never wrapped; the offset is index & mask_). 64 bits do not
  // overflow in the lifetime of a process.
  alignas(kCacheLine) std::atomic<std::uint64_t> writeIndex_{0};
  alignas(kCacheLine) std::atomic<std::uint64_t> readIndex_{0};
  // Consumer-private: the producer's index as last seen (refreshed only when the ring looks empty).
  alignas(kCacheLine) std::uint64_t writeIndexCache_ = 0;

  // Consumer side: finds the oldest published record at or after readIndex_, stepping over a
  // wrap marker. Returns false when the ring is empty.
  bool locateFront(std::uint64_t& payloadIndex, std::uint32_t& len);
};

}  // namespace ncxdp
