// The capture thread's RecordHandler: encodes each record straight into its SpscRing. Capture
// must never wait for a slow sink, so a full ring costs a counted drop, not a stall; only offline
// replay and the final flush at shutdown opt into waiting.
#pragma once

#include <atomic>
#include <cstdint>

#include "decode/Record.h"
#include "ring/SpscRing.h"

namespace ncxdp {

class RingWriter : public RecordHandler {
 public:
  // The ring must outlive the writer; the writer is its only producer.
  explicit RingWriter(SpscRing& ring) : ring_(ring) {}
  RingWriter(const RingWriter&) = delete;
  RingWriter& operator=(const RingWriter&) = delete;

  // Called on the producer thread only.
  void onRecord(const Record& record) override;
  // Room for `bytes` while the ring stays at most half full, so state the decoder may hold a
  // little longer (an idle flush) leaves the other half to live traffic. Always when blocking,
  // and always when the ring is empty: one sender's state can exceed half a small ring (256 KiB
  // of fragments against --ring-size 256K), and it must not wait for room that never comes.
  bool hasRoomFor(std::size_t bytes) const override {
    const std::size_t used = ring_.usedBytes();
    return blocking() || used == 0 || used + bytes <= ring_.capacity() / 2;
  }

  // When blocking, onRecord() waits for room instead of dropping (pcap replay, shutdown flush).
  // May be called from another thread: turning it off releases a writer stuck waiting on a
  // consumer that has gone away, and that record is counted as a drop.
  void setBlocking(bool blocking) { blocking_.store(blocking, std::memory_order_relaxed); }
  bool blocking() const { return blocking_.load(std::memory_order_relaxed); }

  // Readable from any thread (metrics, status line). Records lost = drops() + oversize().
  std::uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  std::uint64_t drops() const { return drops_.load(std::memory_order_relaxed); }        // ring full
  std::uint64_t oversize() const { return oversize_.load(std::memory_order_relaxed); }  // > maxRecordBytes

  SpscRing& ring() { return ring_; }

 private:
  // Waits until the ring has room for len bytes; nullptr if blocking was switched off meanwhile.
  std::uint8_t* reserveBlocking(std::size_t len);

  SpscRing& ring_;
  std::atomic<bool> blocking_{false};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> drops_{0};
  std::atomic<std::uint64_t> oversize_{0};
};

}  // namespace ncxdp
