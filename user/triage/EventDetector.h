// Finds kernel reports in the log lines of many sources and assembles each into an Event: the
// reason line, CPU/PID/Comm/Tainted and release, the RIP symbol, the call traces and the module
// list. No IO and no clock (the caller passes each line's arrival time), so it is unit-tested and
// fuzzed like the decoder.
//
// Per source, reports are kept apart by printk caller id when the sender has one (two CPUs oopsing
// at once interleave their lines); without caller ids a source has one report open at a time.
// A report ends at its end marker and the lines that may follow it ("Kernel panic - not syncing",
// the second register dump), at the first unrelated line after its call trace, at the next report,
// after idleUs of silence, or at a cap. Memory is bounded three ways: sources tracked (least
// recently active evicted), reports open per source and in total (oldest closed first, flagged
// truncated), and every event's own size (EventLimits). Open events are pooled, so the steady
// state allocates nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "decode/Source.h"
#include "triage/Event.h"
#include "triage/ReportLine.h"

namespace ncxdp {

struct DetectorConfig {
  EventLimits event;
  std::size_t maxSources = 65536;     // sources whose report state is kept (LRU beyond)
  std::size_t maxOpenPerSource = 4;   // reports open at once in one source (one per caller id)
  std::size_t maxOpenTotal = 16384;   // reports open at once over all sources
  std::uint64_t idleUs = 10'000'000;  // a report whose source is silent this long is over
};

struct DetectorStats {
  std::uint64_t lines = 0;
  std::uint64_t events = 0;            // handed to the EventHandler
  std::uint64_t duplicates = 0;        // replayed copies of a report already seen (same kernel time and line)
  std::uint64_t truncatedLines = 0;    // closed at EventLimits::maxLines
  std::uint64_t truncatedOpenCap = 0;  // closed early because too many reports were open
  std::uint64_t sourcesEvicted = 0;    // source state dropped for a newer source (its open reports closed)
  std::uint64_t peakOpen = 0;          // most reports open at once
};

// What the detector needs to know about a line besides its text.
struct LineContext {
  Source src;
  std::uint64_t recvUs = 0;             // arrival time (Record::recvTsUs)
  std::optional<std::uint64_t> tsUsec;  // kernel timestamp, when sent
  std::string_view caller;              // printk caller id ("T123", "C1"), empty when not sent
  std::string_view release;             // from the extended header (6.6+), empty when not sent
};

class EventDetector {
 public:
  explicit EventDetector(DetectorConfig config = {});
  ~EventDetector();
  EventDetector(const EventDetector&) = delete;
  EventDetector& operator=(const EventDetector&) = delete;

  // One line of kernel log text (no '\n', no printk prefixes). Finished events go to `out`.
  void line(const LineContext& ctx, std::string_view text, EventHandler& out);
  // Closes reports whose source has been silent for idleUs before nowUs.
  void expire(std::uint64_t nowUs, EventHandler& out);
  // Closes every open report (end of input, shutdown).
  void flush(EventHandler& out);

  const DetectorStats& stats() const { return stats_; }
  std::size_t openEvents() const { return openTotal_; }
  std::size_t sourceCount() const { return index_.size(); }
  const DetectorConfig& config() const { return config_; }

 private:
  struct Open {
    Event event;
    std::string key;          // caller id
    bool haveDie = false;     // the "Oops: ... [#N]" line was seen
    bool ended = false;       // "---[ end trace" seen: only the trailer may follow
    bool inStack = false;     // inside a call trace
    bool stackDone = false;   // at least one call trace is complete
    bool cpuContext = false;  // a CPU header came since the last call trace
    bool duplicate = false;   // a replayed copy: assembled, then dropped
    bool lockdep = false;     // a lockdep report: traces before "stack backtrace:" are dependency chains
    bool backtrace = false;   // lockdep's "stack backtrace:" was seen
    std::uint8_t gap = 0;     // unrelated lines in a row inside the current call trace
    // The current trace's unreliable ('?') frames, '\n'-separated: its frames if it has no other.
    std::string unreliable;
    std::uint16_t unreliableCount = 0;
  };
  struct Recent {
    std::uint64_t tsUsec = 0;
    std::uint64_t lineHash = 0;
  };
  static constexpr std::size_t kRecent = 16;
  struct SourceState {
    Source src;
    std::uint64_t lastUs = 0;
    std::string release;  // last release this source announced
    std::vector<Open*> open;
    // "cut here" announces a WARN/BUG whose message line may come before the report line.
    bool cutPending = false;
    std::string cutKey;
    std::string cutMessage;
    std::uint64_t cutUs = 0;
    std::uint64_t lastPanicUs = 0;  // when a report that panicked was closed
    bool anyPanic = false;
    std::array<Recent, kRecent> recent{};
    std::size_t recentNext = 0;
  };
  using Lru = std::list<SourceState>;

  SourceState& touch(const Source& src, EventHandler& out);
  Open* findOpen(SourceState& s, std::string_view key);
  Open* openEvent(SourceState& s, const LineContext& ctx, std::string_view key, std::string_view text,
                  const ReportLine& rl, EventHandler& out);
  void close(SourceState& s, Open* ev, EventHandler& out);
  void closeAll(SourceState& s, EventHandler& out);
  void closeOldestAnywhere(EventHandler& out);
  void take(Open& ev, const ReportLine& rl, std::string_view text, const LineContext& ctx, SourceState& s,
            EventHandler& out);
  void startStack(Open& ev);
  void endStack(Open& ev);
  void addFrame(Open& ev, const StackFrame& frame);
  void stackMarker(Open& ev, std::string_view marker);
  void copyCapped(std::string& dst, std::string_view src, std::size_t cap) const;

  DetectorConfig config_;
  DetectorStats stats_;
  Lru lru_;  // most recently active first
  std::unordered_map<Source, Lru::iterator, SourceHash> index_;
  std::vector<std::unique_ptr<Open>> all_;  // every open event ever made (at most maxOpenTotal)
  std::vector<Open*> free_;                 // closed ones, reused
  std::size_t openTotal_ = 0;
  std::string scratch_;
};

}  // namespace ncxdp
