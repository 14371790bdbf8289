// The identity of a bug: an event's kind, its reason class and its top call-trace frames, with
// everything that differs between hosts and builds normalised away (offsets, addresses, build ids,
// clone suffixes, unreliable frames: StackFrame), and the frames that say how the report was
// printed, how the kernel was entered or what was waited in skipped (SignatureRules: the table of
// them per architecture and release). The frames used run from the fault down to the first frame
// of the entry plumbing (syscall, kernel thread, interrupt); a fault in interrupt context stops at
// the interrupt's end (the task it interrupted says nothing about the bug), and a lockup or stall
// starts there (the interrupt is only the watchdog). Two events with the same signature are the
// same bug, on any host, release and architecture that runs the same code path; different bugs
// differ in kind, class or frames. A report with no frame left is keyed by what it names instead:
// its WARNING's file:line, its message, the driver in a NETDEV WATCHDOG message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "triage/Event.h"

namespace ncxdp {

// Why a frame is in a signature or not (--explain, the reports).
struct FrameNote {
  std::string frame;  // normalised, "sym [module]"
  std::string why;    // empty: used; else why it was skipped ("syscall entry", "interrupted context", ...)
};

class Signature {
 public:
  static constexpr std::size_t kDefaultFrames = 3;

  // Writes the signature key ("oops|kernel NULL pointer dereference|crashme_null [ncxdp_crashme]|
  // crashme_write [ncxdp_crashme]|...") into `key` and the frames it used into `frames` (both
  // cleared first; reused buffers, so a steady state does not allocate).
  // With `notes`, also says for every frame looked at whether it was used and why not.
  static void build(const Event& event, std::size_t topFrames, std::string& key,
                    std::vector<std::string_view>& frames, std::vector<FrameNote>* notes = nullptr);

  // 64-bit FNV-1a of the key; its first 12 hex digits are the cluster id shown to people.
  static std::uint64_t hash(std::string_view key);
  static std::string id(std::uint64_t hash);

  // Digit runs (with any hex letters and 'x' that follow) become '#': "unknown-block(0,0)" ->
  // "unknown-block(#,#)", "kworker/3:1" -> "kworker/#:#", "exitcode=0x0000000b" -> "exitcode=#".
  static void maskNumbers(std::string_view in, std::string& out);
};

}  // namespace ncxdp
