#include "triage/EventDetector.h"
#include "util/Fnv1a.h"

#include <algorithm>

namespace ncxdp {

namespace {

// A WARN()/BUG() message printed between "cut here" and the report line belongs to it when it
// comes this soon.
constexpr std::uint64_t kCutWindowUs = 2'000'000;
// A lone "---[ end Kernel panic" this soon after a report that panicked is that report's end.
constexpr std::uint64_t kPanicEndWindowUs = 60'000'000;
// Unrelated lines tolerated inside a call trace: another CPU's printk interleaved with it on a
// kernel without caller ids (or a console that mixes in user space output). More in a row end it.
constexpr std::uint8_t kMaxTraceGap = 8;

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// OOM reports list every task ("[    117]     0   117 ..."): thousands of rows on a big machine.
// They are part of the report but must not count towards its line cap.
bool isTaskTableRow(std::string_view text) {
  const std::string_view t = trimmed(text);
  return !t.empty() && t.front() == '[' && t.find(']') != std::string_view::npos;
}

}  // namespace

EventDetector::EventDetector(DetectorConfig config) : config_(config) {
  if (config_.maxSources == 0) config_.maxSources = 1;
  if (config_.maxOpenPerSource == 0) config_.maxOpenPerSource = 1;
  if (config_.maxOpenTotal == 0) config_.maxOpenTotal = 1;
  if (config_.event.maxStacks == 0) config_.event.maxStacks = 1;
  if (config_.event.maxLines == 0) config_.event.maxLines = 1;
}

EventDetector::~EventDetector() = default;

void EventDetector::copyCapped(std::string& dst, std::string_view src, std::size_t cap) const {
  src = src.substr(0, cap);
  dst.assign(src.data(), src.size());
}

EventDetector::SourceState& EventDetector::touch(const Source& src, EventHandler& out) {
  if (auto it = index_.find(src); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return *it->second;
  }
  if (lru_.size() < config_.maxSources) {
    lru_.emplace_front();
    lru_.front().src = src;
    index_.emplace(src, lru_.begin());
    return lru_.front();
  }
  // Recycle the least recently active source's state: close what it had open, re-key the node.
  ++stats_.sourcesEvicted;
  auto victim = std::prev(lru_.end());
  closeAll(*victim, out);
  auto node = index_.extract(victim->src);
  node.key() = src;
  index_.insert(std::move(node));
  SourceState& s = *victim;
  s.src = src;
  s.lastUs = 0;
  s.release.clear();
  s.cutPending = false;
  s.cutKey.clear();
  s.cutMessage.clear();
  s.lastPanicUs = 0;
  s.anyPanic = false;
  s.recent.fill({});
  s.recentNext = 0;
  lru_.splice(lru_.begin(), lru_, victim);
  return s;
}

EventDetector::Open* EventDetector::findOpen(SourceState& s, std::string_view key) {
  for (Open* ev : s.open)
    if (ev->key == key) return ev;
  return nullptr;
}

void EventDetector::close(SourceState& s, Open* ev, EventHandler& out) {
  endStack(*ev);
  s.open.erase(std::find(s.open.begin(), s.open.end(), ev));
  --openTotal_;
  Event& e = ev->event;
  if (e.panicked) {
    s.anyPanic = true;
    s.lastPanicUs = e.lastUs;
  }
  if (ev->duplicate) {
    ++stats_.duplicates;
  } else {
    ++stats_.events;
    out.onEvent(e);
  }
  free_.push_back(ev);
}

void EventDetector::closeAll(SourceState& s, EventHandler& out) {
  while (!s.open.empty()) close(s, s.open.front(), out);
}

void EventDetector::closeOldestAnywhere(EventHandler& out) {
  // The least recently active source with an open report: walk the LRU from its cold end.
  for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) {
    if (it->open.empty()) continue;
    Open* oldest = *std::min_element(it->open.begin(), it->open.end(), [](const Open* a, const Open* b) {
      return a->event.lastUs < b->event.lastUs;
    });
    oldest->event.truncated = true;
    ++stats_.truncatedOpenCap;
    close(*it, oldest, out);
    return;
  }
}

EventDetector::Open* EventDetector::openEvent(SourceState& s, const LineContext& ctx, std::string_view key,
                                              std::string_view text, const ReportLine& rl,
                                              EventHandler& out) {
  if (s.open.size() >= config_.maxOpenPerSource) {
    Open* oldest = *std::min_element(s.open.begin(), s.open.end(), [](const Open* a, const Open* b) {
      return a->event.lastUs < b->event.lastUs;
    });
    oldest->event.truncated = true;
    ++stats_.truncatedOpenCap;
    close(s, oldest, out);
  }
  if (openTotal_ >= config_.maxOpenTotal) closeOldestAnywhere(out);

  Open* ev = nullptr;
  if (!free_.empty()) {
    ev = free_.back();
    free_.pop_back();
  } else {
    all_.push_back(std::make_unique<Open>());
    ev = all_.back().get();
  }
  ev->key.assign(key.data(), key.size());
  ev->haveDie = rl.type == LineType::DieLine;
  ev->ended = ev->inStack = ev->stackDone = ev->cpuContext = ev->duplicate = ev->backtrace = false;
  ev->lockdep = rl.lockdep;
  ev->gap = 0;
  ev->unreliable.clear();
  ev->unreliableCount = 0;

  Event& e = ev->event;
  e.clear();
  const EventLimits& lim = config_.event;
  e.kind = rl.type == LineType::DieLine                                      ? EventKind::Oops
           : rl.type == LineType::PanicLine || rl.type == LineType::EndPanic ? EventKind::Panic
           : rl.type == LineType::OomKilled                                  ? EventKind::OomKill
                                                                             : rl.kind;
  e.src = s.src;
  e.firstUs = e.lastUs = ctx.recvUs;
  e.tsUsec = ctx.tsUsec;
  copyCapped(e.reason, trimmed(text), lim.maxTextBytes);
  copyCapped(e.cls, rl.text, lim.maxTextBytes);
  if (rl.type == LineType::PanicLine || rl.type == LineType::EndPanic) {
    e.panicked = true;
    copyCapped(e.panicMessage, rl.text, lim.maxTextBytes);
  }
  if (e.kind == EventKind::MachineCheck) {
    copyCapped(e.message, rl.comm, lim.maxTextBytes);  // "Bank 1"
  } else {
    copyCapped(e.comm, rl.comm, lim.maxTextBytes);
    if (e.kind == EventKind::HungTask) copyCapped(e.message, rl.comm, lim.maxTextBytes);
  }
  if (rl.type == LineType::OomKilled) {
    copyCapped(e.message, rl.comm, lim.maxTextBytes);
    copyCapped(e.cls, rl.text == "memcg" ? "memcg out of memory" : "out of memory", lim.maxTextBytes);
  }
  if (rl.hasFrame) {
    scratch_.clear();
    rl.frame.appendTo(scratch_);
    copyCapped(e.rip, scratch_, lim.maxFrameBytes);
  }
  copyCapped(e.site, rl.site, lim.maxTextBytes);
  // The release the source announced so far (extended header, boot banner); a CPU/Tainted line
  // of the report itself overrides it.
  copyCapped(e.release, ctx.release.empty() ? std::string_view(s.release) : ctx.release, lim.maxTextBytes);
  if (s.cutPending && s.cutKey == key && !s.cutMessage.empty() && e.kind != EventKind::Panic)
    e.message = s.cutMessage;
  s.cutPending = false;
  e.lines = 1;

  // A log replay (a netconsole target registered at boot, a panic dump) sends old reports again:
  // the same line at the same kernel time is the same report.
  if (ctx.tsUsec) {
    const std::uint64_t h = Fnv1a::of(text);
    for (const Recent& r : s.recent)
      if (r.lineHash == h && r.tsUsec == *ctx.tsUsec) ev->duplicate = true;
    if (!ev->duplicate) {
      s.recent[s.recentNext] = {*ctx.tsUsec, h};
      s.recentNext = (s.recentNext + 1) % kRecent;
    }
  }

  s.open.push_back(ev);
  ++openTotal_;
  stats_.peakOpen = std::max<std::uint64_t>(stats_.peakOpen, openTotal_);
  return ev;
}

void EventDetector::startStack(Open& ev) {
  Event& e = ev.event;
  endStack(ev);
  ev.inStack = false;
  ev.gap = 0;
  if (e.stacks.size() >= config_.event.maxStacks) return;
  const auto at = static_cast<std::uint16_t>(e.frameCount());
  EventStack st;
  st.cpuContext = ev.cpuContext;
  st.begin = st.end = at;
  e.stacks.push_back(st);
  ev.cpuContext = false;
  ev.inStack = true;
}

// A trace whose every frame was unreliable (3.x hung tasks print them all with '?') keeps them:
// they are all there is, and the same bug prints the same ones.
void EventDetector::endStack(Open& ev) {
  Event& e = ev.event;
  if (ev.unreliableCount != 0 && !e.stacks.empty()) {
    EventStack& st = e.stacks.back();
    if (st.end == st.begin && std::size_t(st.begin) == e.frameCount()) {
      std::string_view list = ev.unreliable;
      while (!list.empty()) {
        const std::size_t nl = list.find('\n');
        e.addFrame(list.substr(0, nl));
        list.remove_prefix(nl == std::string_view::npos ? list.size() : nl + 1);
      }
      st.end = static_cast<std::uint16_t>(e.frameCount());
      st.unreliableOnly = true;
    }
  }
  ev.unreliable.clear();
  ev.unreliableCount = 0;
}

void EventDetector::addFrame(Open& ev, const StackFrame& frame) {
  Event& e = ev.event;
  const EventLimits& lim = config_.event;
  EventStack& st = e.stacks.back();
  if (frame.inlined) return;  // a symbolizer's addition, not a frame the kernel printed
  scratch_.clear();
  frame.appendTo(scratch_);
  const std::string_view text = std::string_view(scratch_).substr(0, lim.maxFrameBytes);
  if (frame.unreliable) {
    if (st.end == st.begin && ev.unreliableCount < lim.maxFramesPerStack) {
      ev.unreliable.append(text.data(), text.size()).push_back('\n');
      ++ev.unreliableCount;
    }
    return;
  }
  if (std::size_t(st.end - st.begin) < lim.maxFramesPerStack) {
    e.addFrame(text);
    st.end = static_cast<std::uint16_t>(e.frameCount());
  }
}

// <IRQ>/<SOFTIRQ>/<NMI> before a trace's first frame: it starts in an interrupt. </IRQ>, 4.x's
// <EOI> or the <TASK> after it mark where the interrupted context begins.
void EventDetector::stackMarker(Open& ev, std::string_view marker) {
  Event& e = ev.event;
  if (!ev.inStack || e.stacks.empty()) return;
  EventStack& st = e.stacks.back();
  const bool opensIrq = marker == "<IRQ>" || marker == "<SOFTIRQ>" || marker == "<NMI>";
  if (opensIrq && st.end == st.begin && ev.unreliableCount == 0) {
    st.startsInIrq = true;
    return;
  }
  const bool leavesIrq = marker == "</IRQ>" || marker == "</SOFTIRQ>" || marker == "</NMI>" ||
                         marker == "<EOI>" || marker == "<TASK>";
  if (leavesIrq && st.startsInIrq && st.irqEnd == 0) st.irqEnd = st.end;
}

// Applies one line to an open report, closing it when the line ends it.
void EventDetector::take(Open& ev, const ReportLine& rl, std::string_view text, const LineContext& ctx,
                         SourceState& s, EventHandler& out) {
  Event& e = ev.event;
  const EventLimits& lim = config_.event;
  switch (rl.type) {
    case LineType::PanicLine:
      if (!e.panicked) {
        e.panicked = true;
        copyCapped(e.panicMessage, rl.text, lim.maxTextBytes);
      }
      break;
    case LineType::EndPanic:
      if (!e.panicked) {
        e.panicked = true;
        copyCapped(e.panicMessage, rl.text, lim.maxTextBytes);
      }
      e.lastUs = ctx.recvUs;
      close(s, &ev, out);
      return;
    case LineType::EndTrace:
      ev.ended = true;
      ev.inStack = false;
      break;
    case LineType::DieLine:
      ev.haveDie = true;
      if (e.cls.empty()) copyCapped(e.cls, rl.text, lim.maxTextBytes);
      break;
    case LineType::Trigger:  // a machine check's further banks and "events logged"
      break;
    case LineType::OomKilled:
      copyCapped(e.message, rl.comm, lim.maxTextBytes);
      if (rl.text == "memcg") copyCapped(e.cls, "memcg out of memory", lim.maxTextBytes);
      e.lastUs = ctx.recvUs;
      ++e.lines;
      close(s, &ev, out);
      return;
    case LineType::CpuHeader:
      if (ev.ended) break;
      if (e.cpu < 0) {
        e.cpu = rl.cpu;
        e.pid = rl.pid;
        if (!rl.comm.empty()) copyCapped(e.comm, rl.comm, lim.maxTextBytes);
        if (!rl.release.empty()) copyCapped(e.release, rl.release, lim.maxTextBytes);
        copyCapped(e.taint, rl.taint, lim.maxTextBytes);
      }
      ev.cpuContext = true;
      break;
    case LineType::TaintLine:
      if (!ev.ended && e.cpu < 0 && !rl.release.empty()) {
        copyCapped(e.release, rl.release, lim.maxTextBytes);
        copyCapped(e.taint, rl.taint, lim.maxTextBytes);
      }
      break;
    case LineType::TaskHeader:
      ev.cpuContext = false;
      break;
    case LineType::Rip:
      // A RIP inside or after the trace is the interrupted context's (x86 5.x+ prints one after
      // </IRQ>) or a repeat of the first (x86 2.6-4.x). After a new CPU header it is the faulting
      // context's own: an RCU stall dumps the grace-period kthread's stack first, then the stalled
      // CPU's registers and trace.
      if (!ev.ended && e.rip.empty() && !ev.inStack && (!ev.stackDone || ev.cpuContext)) {
        scratch_.clear();
        rl.frame.appendTo(scratch_);
        copyCapped(e.rip, scratch_, lim.maxFrameBytes);
      }
      break;
    case LineType::CallTrace:
      if (ev.ended || (ev.lockdep && !ev.backtrace)) break;
      startStack(ev);
      break;
    case LineType::StackOpen:
      if (ev.ended || (ev.lockdep && !ev.backtrace)) break;
      if (!ev.inStack) startStack(ev);
      stackMarker(ev, trimmed(text));
      break;
    case LineType::StackClose:
      if (!ev.inStack) break;
      ev.gap = 0;
      if (trimmed(text) == "</TASK>") {
        endStack(ev);
        ev.inStack = false;
        ev.stackDone = true;
      } else {
        stackMarker(ev, trimmed(text));
      }
      break;
    case LineType::Frame:
      if (ev.ended || (ev.lockdep && !ev.backtrace)) break;
      if (!ev.inStack) startStack(ev);  // kernels that print frames without "Call Trace:"
      if (!rl.marker.empty()) stackMarker(ev, rl.marker);
      ev.gap = 0;
      if (ev.inStack) addFrame(ev, rl.frame);
      break;
    case LineType::StackBacktrace:
      ev.backtrace = true;
      break;
    case LineType::Hint:
      // The lock a lockdep report is about; a leaked lock's work function ("last function:").
      if (e.message.empty() && (ev.lockdep || !rl.hasFrame)) copyCapped(e.message, rl.text, lim.maxTextBytes);
      break;
    case LineType::SectionEnd:
      // KASAN's allocation and free stacks follow its report's own: the report is complete.
      if (ev.inStack || ev.stackDone) {
        close(s, &ev, out);
        return;
      }
      break;
    case LineType::Modules:
      if (!ev.ended && e.modules.empty()) copyCapped(e.modules, rl.text, lim.maxModulesBytes);
      break;
    case LineType::Detail:
    case LineType::OomConstraint:
      break;
    case LineType::Other: {
      // A trace goes on past a few unrelated lines (another CPU's printk on a kernel without
      // caller ids); more of them in a row, or any after a trace without markers, end it.
      if (ev.inStack && (e.stacks.back().end > e.stacks.back().begin || ev.unreliableCount != 0)) {
        if (++ev.gap <= kMaxTraceGap) break;
        endStack(ev);
        ev.inStack = false;
        ev.stackDone = true;
      }
      // After its trace, an unrelated line means the report is over; OOM reports go on with
      // memory statistics and the task table until "Killed process".
      if ((ev.ended || ev.stackDone || e.kind == EventKind::MachineCheck) && e.kind != EventKind::OomKill) {
        close(s, &ev, out);
        return;
      }
      break;
    }
    case LineType::CutHere:
    case LineType::KernelVersion:
      break;
  }
  if (rl.type != LineType::Other) ev.gap = 0;
  e.lastUs = ctx.recvUs;
  if (e.kind == EventKind::OomKill && rl.type == LineType::Other && isTaskTableRow(text)) return;
  if (++e.lines >= lim.maxLines) {
    e.truncated = true;
    ++stats_.truncatedLines;
    close(s, &ev, out);
  }
}

void EventDetector::line(const LineContext& ctx, std::string_view text, EventHandler& out) {
  ++stats_.lines;
  const ReportLine rl = ReportLine::classify(text);
  SourceState& s = touch(ctx.src, out);
  s.lastUs = ctx.recvUs;
  if (!ctx.release.empty() && ctx.release != s.release)
    copyCapped(s.release, ctx.release, config_.event.maxTextBytes);

  // Reports of this source that went quiet are over, whatever this line is.
  for (std::size_t i = 0; i < s.open.size();) {
    Open* ev = s.open[i];
    if (ctx.recvUs > ev->event.lastUs && ctx.recvUs - ev->event.lastUs > config_.idleUs)
      close(s, ev, out);
    else
      ++i;
  }
  if (rl.type == LineType::Other && s.open.empty() && !s.cutPending) return;  // the common case

  const std::string_view key = ctx.caller;
  Open* ev = findOpen(s, key);
  switch (rl.type) {
    case LineType::KernelVersion:
      // A new boot: whatever the previous one was printing is over.
      closeAll(s, out);
      copyCapped(s.release, rl.text, config_.event.maxTextBytes);
      s.cutPending = false;
      return;
    case LineType::CutHere:
      if (ev != nullptr && (ev->ended || ev->stackDone)) close(s, ev, out);
      s.cutPending = true;
      s.cutKey.assign(key.data(), key.size());
      s.cutMessage.clear();
      s.cutUs = ctx.recvUs;
      return;
    case LineType::Trigger:
      // More banks of the machine check being reported belong to it.
      if (ev != nullptr && rl.kind == EventKind::MachineCheck && ev->event.kind == EventKind::MachineCheck)
        break;
      if (ev != nullptr) close(s, ev, out);
      openEvent(s, ctx, key, text, rl, out);
      return;
    case LineType::DieLine:
      // "BUG: kernel NULL pointer dereference" / "kernel BUG at" are followed by their "Oops: [#N]".
      if (ev != nullptr && ev->event.kind == EventKind::Oops && !ev->haveDie && !ev->ended) break;
      if (ev != nullptr) close(s, ev, out);
      openEvent(s, ctx, key, text, rl, out);
      return;
    case LineType::PanicLine:
      if (ev != nullptr) break;  // the panic this report caused
      openEvent(s, ctx, key, text, rl, out);
      return;
    case LineType::EndPanic:
      if (ev != nullptr) break;
      // Only the end marker of a panic we did not see start (it went out before we listened).
      if (s.anyPanic && ctx.recvUs - s.lastPanicUs < kPanicEndWindowUs) return;
      close(s, openEvent(s, ctx, key, text, rl, out), out);
      return;
    case LineType::OomKilled:
      if (ev != nullptr && ev->event.kind == EventKind::OomKill) break;
      if (ev != nullptr) close(s, ev, out);
      close(s, openEvent(s, ctx, key, text, rl, out), out);
      return;
    default:
      break;
  }

  if (ev == nullptr) {
    // The first unrelated line after "cut here" is the WARN()/BUG() message.
    if (s.cutPending && rl.type == LineType::Other && s.cutKey == key) {
      if (ctx.recvUs - s.cutUs <= kCutWindowUs && s.cutMessage.empty())
        copyCapped(s.cutMessage, trimmed(text), config_.event.maxTextBytes);
      else
        s.cutPending = false;
    }
    return;
  }
  take(*ev, rl, text, ctx, s, out);
}

void EventDetector::expire(std::uint64_t nowUs, EventHandler& out) {
  // The LRU is ordered by activity, so the idle sources are all at its cold end.
  for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) {
    if (nowUs <= it->lastUs || nowUs - it->lastUs <= config_.idleUs) break;
    closeAll(*it, out);
  }
}

void EventDetector::flush(EventHandler& out) {
  // Least recently active first: roughly the order the reports ended in.
  for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) closeAll(*it, out);
}

}  // namespace ncxdp
