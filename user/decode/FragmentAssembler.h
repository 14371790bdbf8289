// Reassembles extended netconsole messages cut into ncfrag fragments, for one source. Fragments
// are keyed by their header (minus ncfrag), may come in any order or twice, and the memory they
// hold is capped per message, per source and across all sources.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
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
  // globalBytes is shared by every source of one decoder (one thread), hence no atomics.
  FragmentAssembler(const DecoderConfig& config, std::size_t& globalBytes, FragmentCounters& counters);
  ~FragmentAssembler();
  FragmentAssembler(const FragmentAssembler&) = delete;
  FragmentAssembler& operator=(const FragmentAssembler&) = delete;

  // Adds one fragment (header already parsed, `bytes` = the datagram's body part).
  void add(const ExtendedHeader& header, std::string_view bytes, std::uint64_t nowUs, AssembledHandler& out);
  // Emits, flagged incomplete, every message whose first fragment is older than the timeout.
  void expire(std::uint64_t nowUs, std::uint64_t timeoutUs, AssembledHandler& out);
  // Emits every pending message (shutdown, source eviction).
  void flushAll(AssembledHandler& out);

  bool empty() const { return pending_.empty(); }

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

  const DecoderConfig& config_;
  std::size_t& globalBytes_;
  FragmentCounters& counters_;
  std::deque<Message> pending_;  // oldest first
  std::size_t bytes_ = 0;
  // Hashes of recently completed keys: a late duplicate fragment must not start a new message
  // that would later be emitted as a bogus incomplete copy.
  static constexpr std::size_t kRecent = 8;
  std::uint64_t recent_[kRecent] = {};
  std::size_t recentNext_ = 0;
  std::vector<BodyPiece> pieces_;  // scratch for emission
  std::string keyScratch_;
};

}  // namespace ncxdp
