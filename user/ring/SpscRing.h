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

  // --- producer side ---
  // Reserves len contiguous bytes for one record. Returns nullptr when the ring has no room now
  // (the caller counts a drop) or when len can never fit (maxRecordBytes()). Never blocks.
  std::uint8_t* tryReserve(std::size_t len);
  // Publishes the record reserved by the last successful tryReserve().
  void commit();
  // Convenience: tryReserve + copy + commit.
  bool tryPush(std::span<const std::uint8_t> bytes);

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
  // implementation-defined (free-running head/tail on separate cache lines with cached copies)
};

}  // namespace ncxdp
