// Reassembles extended netconsole messages cut into ncfrag fragments, for one source. Fragments
// are keyed by their header (minus ncfrag), may come in any order or twice, and the memory they
// hold is capped per message and per source here; the Decoder holds all sources within the
// shared memory budget (DecoderBudget) using memoryBytes().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decode/Record.h"

namespace ncxdp {

struct DecoderConfig;
struct ExtendedHeader;

// One byte run of a message body that did arrive.
struct BodyPiece {
  std::uint32_t offset = 0;
  std::string_view bytes;
};

// A message leaving the assembler, complete or not. Views are valid during the callback only.
struct AssembledMessage {
  std::string_view key;  // header without ncfrag
  std::uint32_t total = 0;
  std::span<const BodyPiece> pieces;  // in offset order, non-overlapping
  std::uint64_t lastUs = 0;           // arrival of the newest fragment
  bool complete = false;
};

class AssembledHandler {
 public:
  virtual ~AssembledHandler() = default;
  virtual void onAssembled(const AssembledMessage& message) = 0;
};

struct FragmentCounters {
  std::uint64_t duplicate = 0;
  std::uint64_t reassembled = 0;
  std::uint64_t overCap = 0;
};

class FragmentAssembler {
 public:
  FragmentAssembler(const DecoderConfig& config, FragmentCounters& counters);
  ~FragmentAssembler();
  FragmentAssembler(const FragmentAssembler&) = delete;
  FragmentAssembler& operator=(const FragmentAssembler&) = delete;

  // Adds one fragment (header already parsed, `bytes` = the datagram's body part).
  void add(const ExtendedHeader& header, std::string_view bytes, std::uint64_t nowUs, AssembledHandler& out);
  // Emits, flagged incomplete, every message whose first fragment is older than the timeout.
  void expire(std::uint64_t nowUs, std::uint64_t timeoutUs, AssembledHandler& out);
  // Emits every pending message (shutdown, source eviction); returns how many.
  std::size_t flushAll(AssembledHandler& out);

  bool empty() const { return pending_.empty(); }
  // What the pending messages hold: their bodies, keys and bookkeeping.
  std::size_t memoryBytes() const { return memory_; }

 private:
  struct Message {
    std::string key;
    std::string data;             // total bytes, filled where `have` says
    std::vector<ByteRange> have;  // sorted, merged
    std::uint32_t total = 0;
    std::uint32_t received = 0;
    std::uint64_t firstUs = 0;
    std::uint64_t lastUs = 0;
  };

  Message* find(std::string_view head, std::string_view tail);
  bool recentlyCompleted(std::uint64_t keyHash) const;
  void emit(Message& m, AssembledHandler& out);
  void emitAndErase(std::size_t index, AssembledHandler& out);
  void emitLoneFragment(const ExtendedHeader& header, std::string_view bytes, std::uint64_t nowUs,
                        AssembledHandler& out);

  static std::size_t costOf(const Message& m) { return m.total + m.key.size() + sizeof(Message); }

  const DecoderConfig& config_;
  FragmentCounters& counters_;
  // Oldest first. A vector, not a deque: a source holds a handful of messages at most, and an
  // empty vector costs no allocation (libstdc++'s deque allocates ~600 bytes even when empty,
  // for every one of up to --max-sources senders).
  std::vector<Message> pending_;
  std::size_t bytes_ = 0;   // message bodies, for the per-source cap
  std::size_t memory_ = 0;  // everything pending costs, for the shared budget
  // Hashes of recently completed keys: a late duplicate fragment must not start a new message
  // that would later be emitted as a bogus incomplete copy.
  static constexpr std::size_t kRecent = 8;
  std::uint64_t recent_[kRecent] = {};
  std::size_t recentNext_ = 0;
  std::vector<BodyPiece> pieces_;  // scratch for emission
  std::string keyScratch_;
};

}  // namespace ncxdp
