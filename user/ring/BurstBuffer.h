// Where `ncxdp attach` keeps datagrams between taking them off the wire and decoding them: one
// per RX queue, filled by the queue's capture thread and emptied by its decoder thread. The
// capture thread copies each UDP payload in (with its source and arrival time) and gives the
// AF_XDP frame straight back to the kernel, so the UMEM never runs dry because decoding or the
// outputs are slow; this buffer absorbs the burst instead, and is far larger than any UMEM.
// One producer and one consumer keep a queue's datagrams in arrival order, so each sender's
// records stay in order. A datagram that does not fit is dropped here and counted by cause.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

#include "decode/Source.h"
#include "ring/Doorbell.h"
#include "ring/SpscRing.h"

namespace ncxdp {

// One datagram as the capture thread saw it.
struct BufferedDatagram {
  Source source;
  std::uint64_t arrivalUs = 0;            // wall clock when the capture thread took it
  std::span<const std::uint8_t> payload;  // points into the buffer, valid until pop()
};

struct BurstBufferStats {
  std::uint64_t capacity = 0;
  std::uint64_t usedBytes = 0;       // now: how far decoding is behind capture
  std::uint64_t highWaterBytes = 0;  // the most ever used since start
  std::uint64_t datagrams = 0;       // accepted
  std::uint64_t full = 0;            // dropped: no room (decoding or the outputs too slow)
  std::uint64_t oversize = 0;        // dropped: larger than the buffer can ever hold
};

class BurstBuffer {
 public:
  // Bytes of each datagram stored besides its payload (arrival time, address, port), before
  // the ring's own 8-byte header and padding to 8.
  static constexpr std::size_t kEntryOverhead = 8 + 16 + 2;

  // capacityBytes is rounded up to a power of two (at least 4096, at most 1 GiB: SpscRing).
  // Allocates once, here, and touches every page so that filling it never faults.
  explicit BurstBuffer(std::size_t capacityBytes);
  BurstBuffer(const BurstBuffer&) = delete;
  BurstBuffer& operator=(const BurstBuffer&) = delete;

  // --- producer (the capture thread) ---
  // Copies one datagram in; false (and counted by cause) when it does not fit. Never blocks,
  // allocates or throws.
  bool push(const Source& source, std::uint64_t arrivalUs, std::span<const std::uint8_t> payload);
  // Like push(), but when the buffer is full waits for the consumer to make room, until
  // `giveUp` reads true (then the datagram is dropped and counted as full). For the frames the
  // kernel had already accepted when capture stops: they must not be lost to a deep backlog.
  bool pushWaiting(const Source& source, std::uint64_t arrivalUs, std::span<const std::uint8_t> payload,
                   const std::atomic<bool>& giveUp);
  // After a batch of push(): updates the high-water mark and wakes the consumer if it sleeps.
  void publish();
  // Nothing more will be pushed (capture ended); wakes the consumer.
  void close();

  // --- consumer (the decoder thread) ---
  // The oldest datagram, or false when none is buffered now.
  bool front(BufferedDatagram& out);
  // Releases the datagram front() returned.
  void pop();
  // Sleeps up to `timeout` unless a datagram is buffered or the producer has closed.
  void wait(std::chrono::milliseconds timeout);
  // True once the producer has closed and every datagram it pushed has been popped.
  bool finished() const;

  // --- any thread (approximate while the others run) ---
  bool empty() const { return ring_.empty(); }
  std::size_t capacity() const { return ring_.capacity(); }
  // Largest payload that can ever be buffered.
  std::size_t maxPayloadBytes() const { return ring_.maxRecordBytes() - kEntryOverhead; }
  // Occupancy, 0..1.
  double fill() const { return double(ring_.usedBytes()) / double(ring_.capacity()); }
  BurstBufferStats stats() const;

 private:
  // Copies the entry in; false when there is no room now. Counts only what it accepts.
  [[nodiscard]] bool tryPush(const Source& source, std::uint64_t arrivalUs,
                             std::span<const std::uint8_t> payload);

  SpscRing ring_;
  Doorbell doorbell_;
  std::atomic<bool> closed_{false};
  // Written only by the producer (plain load + relaxed store, no locked instruction), read by
  // anyone for metrics.
  std::atomic<std::uint64_t> datagrams_{0};
  std::atomic<std::uint64_t> full_{0};
  std::atomic<std::uint64_t> oversize_{0};
  std::atomic<std::uint64_t> highWater_{0};
};

}  // namespace ncxdp
