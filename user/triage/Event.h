// One kernel report from one source, as the EventDetector assembled it from the report's lines:
// what the clustering needs (kind, class, frames) and what the report shows (reason, task,
// release, modules). Strings are capped (EventLimits) so an event has a bounded size whatever a
// sender prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "decode/Source.h"
#include "triage/EventKind.h"

namespace ncxdp {

struct EventLimits {
  std::size_t maxTextBytes = 200;     // reason, class, message, comm, release, taint
  std::size_t maxModulesBytes = 512;  // "Modules linked in:" list
  std::size_t maxStacks = 3;          // call traces kept per event (an RCU stall prints several)
  std::size_t maxFramesPerStack = 24;
  std::size_t maxFrameBytes = 96;
  std::size_t maxLines = 2000;  // lines examined before the event is closed as truncated
};

struct EventStack {
  bool cpuContext = false;  // follows a "CPU: .. PID: .." header (an interrupted context), not a "task:" dump
  bool startsInIrq = false;     // opened with <IRQ>/<SOFTIRQ>/<NMI>: its first frames ran in an interrupt
  bool unreliableOnly = false;  // every frame was marked '?': these are them (better than none)
  std::uint16_t begin = 0;      // range in Event::frames
  std::uint16_t end = 0;
  std::uint16_t irqEnd =
      0;  // with startsInIrq: where the interrupted context begins (</IRQ>, <EOI>); 0 if never
};

struct Event {
  EventKind kind = EventKind::Oops;
  Source src;
  std::uint64_t firstUs = 0;            // arrival time of the first line (Record::recvTsUs)
  std::uint64_t lastUs = 0;             // arrival time of the last line taken
  std::optional<std::uint64_t> tsUsec;  // kernel timestamp of the first line
  std::string reason;                   // the line that started the report
  std::string cls;                      // reason class: "kernel NULL pointer dereference", "soft lockup", ...
  std::string message;  // the WARN() message before the report; the hung or killed task; the MCE bank
  std::string comm;     // task of the CPU/PID/Comm header (or the report line)
  int cpu = -1;
  int pid = -1;
  std::string release;  // from the record (6.6+ release flag), the Tainted line, or the boot banner
  std::string taint;    // taint flags, e.g. "G      D W  OE"
  std::string rip;      // normalised "sym [module]" of the kernel RIP
  std::string site;     // "lib/debugobjects.c:505" of a WARNING / kernel BUG line, when printed
  std::string modules;
  // Reliable frames, normalised ("sym" or "sym [module]"), back to back in one buffer so a pooled
  // event reuses its memory: frame i is frameText[frameEnds[i-1], frameEnds[i]).
  std::string frameText;
  std::vector<std::uint32_t> frameEnds;
  std::vector<EventStack> stacks;
  bool panicked = false;  // a "Kernel panic - not syncing" belongs to this report
  std::string panicMessage;
  bool truncated = false;   // closed by a cap (lines, memory) before its end
  std::uint32_t lines = 0;  // lines taken into the report

  std::size_t frameCount() const { return frameEnds.size(); }
  std::string_view frame(std::size_t i) const {
    const std::uint32_t begin = i == 0 ? 0 : frameEnds[i - 1];
    return std::string_view(frameText).substr(begin, frameEnds[i] - begin);
  }
  void addFrame(std::string_view text) {
    frameText += text;
    frameEnds.push_back(static_cast<std::uint32_t>(frameText.size()));
  }

  // Empties every field but keeps string capacity, so pooled events do not allocate again.
  void clear() {
    kind = EventKind::Oops;
    src = {};
    firstUs = lastUs = 0;
    tsUsec.reset();
    reason.clear();
    cls.clear();
    message.clear();
    comm.clear();
    cpu = pid = -1;
    release.clear();
    taint.clear();
    rip.clear();
    site.clear();
    modules.clear();
    frameText.clear();
    frameEnds.clear();
    stacks.clear();
    panicked = false;
    panicMessage.clear();
    truncated = false;
    lines = 0;
  }
};

// Receives finished events.
class EventHandler {
 public:
  virtual ~EventHandler() = default;
  virtual void onEvent(const Event& event) = 0;
};

}  // namespace ncxdp
