// The identity of a bug: an event's kind, its reason class and its top call-trace frames, with
// everything that differs between hosts and builds normalised away (offsets, addresses, build ids,
// clone suffixes, unreliable frames: StackFrame), and the frames every report of its kind shares
// (the oops/WARN/panic/stall machinery) skipped. Two events with the same signature are the same
// bug, on any host and any release that runs the same code path; different bugs differ in kind,
// class or frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "triage/Event.h"

namespace ncxdp {

class Signature {
 public:
  static constexpr std::size_t kDefaultFrames = 5;

  // Writes the signature key ("oops|kernel NULL pointer dereference|crashme_null [ncxdp_crashme]|
  // crashme_write [ncxdp_crashme]|...") into `key` and the frames it used into `frames` (both
  // cleared first; reused buffers, so a steady state does not allocate).
  static void build(const Event& event, std::size_t topFrames, std::string& key,
                    std::vector<std::string_view>& frames);

  // 64-bit FNV-1a of the key; its first 12 hex digits are the cluster id shown to people.
  static std::uint64_t hash(std::string_view key);
  static std::string id(std::uint64_t hash);

  // Digit runs (with any hex letters and 'x' that follow) become '#': "unknown-block(0,0)" ->
  // "unknown-block(#,#)", "kworker/3:1" -> "kworker/#:#", "exitcode=0x0000000b" -> "exitcode=#".
  static void maskNumbers(std::string_view in, std::string& out);

  // Frames that every report of this kind shows whatever the bug is: the reporting machinery
  // (dump_stack, __warn, report_bug, exc_invalid_op, page_fault_oops, panic, ...), and for hung
  // tasks the scheduler and sleeping primitives the task waits in.
  static bool isMachinery(std::string_view symbol, EventKind kind);
};

}  // namespace ncxdp
