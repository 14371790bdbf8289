// Netconsole decoder: datagrams in, records out. No IO, no clock: the caller passes `now`, which
// makes it deterministic, unit-testable and fuzzable. One Decoder per capture thread; it owns the
// state of every source that reaches that thread, so nothing here is locked. Only the limits are
// shared between the decoders of one capture (DecoderBudget: memory and senders, atomics).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "decode/Record.h"
#include "decode/Source.h"

namespace ncxdp {

class DecoderBudget;

struct DecoderConfig {
  // A plain line without its '\n' is emitted after this much silence from its source.
  std::uint64_t lineIdleUs = 1'000'000;
  // A fragmented message still missing bytes this long after its first fragment is emitted
  // flagged incomplete.
  std::uint64_t fragTimeoutUs = 2'000'000;
  // Senders tracked at once, over all decoders sharing `budget`: beyond, the least recently
  // active is evicted (its pending state emitted first). 0: no limit.
  std::size_t maxSources = 65536;
  // A plain line longer than this is emitted in pieces (the kernel never sends one this long).
  std::size_t maxLineBytes = 8192;
  // Reassembly caps: per message and per source.
  std::size_t maxMessageBytes = 64 * 1024;
  std::size_t reasmPerSourceBytes = 256 * 1024;
  // Pending state (partial plain lines and reassembly) of all sources, over all decoders sharing
  // `budget`: beyond, the oldest pending state is emitted as it is (flagged incomplete). One
  // datagram's worth may overshoot it until that datagram is decoded. 0: no limit.
  std::size_t memoryBytes = 64 * 1024 * 1024;
  // The limits shared with the other decoders of one capture, made from maxSources and
  // memoryBytes for all of them (LiveCapture does). Null: this decoder has them to itself.
  std::shared_ptr<DecoderBudget> budget;
};

struct DecoderStats {
  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;
  std::uint64_t recordsPlain = 0;
  std::uint64_t recordsExtended = 0;
  std::uint64_t recordsDumped = 0;        // extended records replayed by a crash dump (ncxdp_dump=N)
  std::uint64_t fragments = 0;            // datagrams carrying ncfrag
  std::uint64_t fragmentsDuplicate = 0;   // fragments whose bytes were all already held
  std::uint64_t messagesReassembled = 0;  // fragmented messages completed
  std::uint64_t messagesIncomplete = 0;   // emitted with missing ranges
  std::uint64_t reasmOverCap = 0;         // messages evicted/emitted early because of a memory cap
  std::uint64_t malformed = 0;            // datagrams that were not valid in their format
  std::uint64_t emptyDatagrams = 0;
  std::uint64_t linesIdleFlushed = 0;  // plain lines emitted without '\n' after idle time
  std::uint64_t linesSplit = 0;        // plain lines longer than maxLineBytes
  std::uint64_t seqGaps = 0;           // gap events on seq
  std::uint64_t seqMissing = 0;        // seq values inside those gaps
  std::uint64_t msgidGaps = 0;
  std::uint64_t msgidMissing = 0;
  std::uint64_t kernelDropped = 0;  // sum of "** N printk messages dropped **"
  std::uint64_t sourcesEvicted = 0;
  std::uint64_t formatSwitches = 0;  // a source changed between plain and extended
  // Pending state emitted before it was whole, to stay within a limit (flagged incomplete): plain
  // lines still missing their newline and fragmented messages still missing fragments, because
  // their sender was evicted at maxSources, or to stay within the memory budget.
  std::uint64_t linesEvictedSources = 0;
  std::uint64_t linesEvictedMemory = 0;
  std::uint64_t messagesEvictedSources = 0;
  std::uint64_t messagesEvictedMemory = 0;
  std::uint64_t flushPaced = 0;  // ticks that left idle state for later: the outputs were behind
  // Gauges: pending-state bytes this decoder holds now, and the budget shared by all decoders.
  std::uint64_t pendingBytes = 0;
  std::uint64_t memoryLimit = 0;
};

// Per-source counters, for metrics and the exit summary.
struct SourceStats {
  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;
  std::uint64_t records = 0;
  std::uint64_t seqMissing = 0;
  std::uint64_t msgidMissing = 0;
  std::uint64_t incomplete = 0;
  std::uint64_t lastSeenUs = 0;
};

class Decoder {
 public:
  explicit Decoder(DecoderConfig config = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes one UDP payload from `source` received at `nowUs`; records go to `out` before return.
  void feed(const Source& source, std::span<const std::uint8_t> payload, std::uint64_t nowUs,
            RecordHandler& out);
  // Emits what has waited long enough: idle plain lines, timed-out fragments. Call it every
  // ~100 ms of `now`, also when no datagram arrives. While `out` has no room
  // (RecordHandler::hasRoomFor), the rest waits for a later tick instead of being lost; here too
  // goes state older than what another decoder had to evict (the shared budget's horizon).
  // Returns true when it left idle state for later that way (call again soon).
  bool tick(std::uint64_t nowUs, RecordHandler& out);
  // Emits everything still pending (shutdown, end of a capture file).
  void flush(std::uint64_t nowUs, RecordHandler& out);

  const DecoderStats& stats() const;
  std::size_t sourceCount() const;
  // Bytes of pending reassembly state, and of all pending state (reassembly and plain lines).
  std::size_t reasmBytes() const;
  std::size_t pendingBytes() const;
  // Visits every live source with its counters.
  template <typename F>
  void forEachSource(F&& f) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  void visitSources(void (*fn)(void*, const Source&, const SourceStats&), void* ctx) const;
};

template <typename F>
void Decoder::forEachSource(F&& f) const {
  visitSources([](void* ctx, const Source& s, const SourceStats& st) { (*static_cast<F*>(ctx))(s, st); }, &f);
}

}  // namespace ncxdp
