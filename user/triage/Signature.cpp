#include "triage/Signature.h"
#include "util/Fnv1a.h"

#include <algorithm>
#include <array>

#include "triage/SignatureRules.h"

namespace ncxdp {

namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool isHexOrX(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == 'x' || c == 'X';
}

// The symbol of a normalised frame "sym [module]".
std::string_view symbolOf(std::string_view frame) {
  return frame.substr(0, frame.find(' '));
}

// Kinds whose reason class says nothing more than the kind itself, or varies with the machine
// rather than the bug (which CPU noticed an RCU stall, how long a lockup lasted).
bool classInKey(EventKind kind) {
  switch (kind) {
    case EventKind::SoftLockup:
    case EventKind::HardLockup:
    case EventKind::RcuStall:
    case EventKind::HungTask:
      return false;
    default:
      return true;
  }
}

}  // namespace

void Signature::maskNumbers(std::string_view in, std::string& out) {
  std::size_t i = 0;
  while (i < in.size()) {
    if (isDigit(in[i])) {
      while (i < in.size() && isHexOrX(in[i])) ++i;
      out += '#';
    } else {
      out += in[i++];
    }
  }
}

namespace {

bool isLockupKind(EventKind kind) {
  return kind == EventKind::SoftLockup || kind == EventKind::HardLockup || kind == EventKind::RcuStall;
}

// "NETDEV WATCHDOG: eth0 (e1000e): transmit queue 0 timed out" (2.6-6.x): every driver's timeout
// has the same frames (dev_watchdog and the timer softirq); the driver is what differs.
std::string_view namedDriver(std::string_view message) {
  constexpr std::string_view kWatchdog = "NETDEV WATCHDOG: ";
  if (message.substr(0, kWatchdog.size()) != kWatchdog) return {};
  const std::size_t open = message.find(" (");
  const std::size_t close = message.find("): ");
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return {};
  return message.substr(open + 2, close - open - 2);
}

// Reports whose first frame already names the bug, so the callers below it are only the path
// that reached it this time: a WARNING or BUG printed with its file:line (the check that fired;
// 3.x-6.x), and lockdep reports (the function that took or released the lock; the trace is of
// whichever task closed the cycle). Their callers differ between reports of one bug (seq_read vs
// seq_lseek into the same seq_stop, two teardown paths into one WARN_ON).
std::string_view firstFrameReason(const Event& event) {
  if (!event.site.empty()) return "WARNING/BUG with a site: the first frame used identifies it";
  for (std::string_view lockdep :
       {"locking dependency detected", "lock order detected", "unlock balance detected",
        "recursive locking detected", "inconsistent lock state"})
    if (event.cls.find(lockdep) != std::string::npos)
      return "lockdep: the first frame used (the locking function) identifies it";
  // "BUG: using smp_processor_id() / __this_cpu_read() in preemptible code" (3.x-6.x): the
  // function that made the per-CPU access is the bug; traces are often cut ("...").
  if (event.cls.rfind("using ", 0) == 0 && event.cls.find("()") != std::string::npos)
    return "per-CPU access: the first frame used identifies it";
  return {};
}

}  // namespace

void Signature::build(const Event& event, std::size_t topFrames, std::string& key,
                      std::vector<std::string_view>& frames, std::vector<FrameNote>* notes) {
  key.clear();
  frames.clear();
  if (notes != nullptr) notes->clear();
  auto note = [&](std::string_view frame, std::string_view why) {
    if (notes != nullptr && notes->size() < 64) notes->push_back({std::string(frame), std::string(why)});
  };
  const std::string_view narrowed = firstFrameReason(event);
  if (!narrowed.empty()) topFrames = std::min<std::size_t>(topFrames, 1);
  bool stopped = false;         // reached the entry plumbing: nothing below is looked at
  std::string_view entryFrame;  // the first plumbing frame, used when nothing above it identifies the bug
  auto push = [&](std::string_view frame) {
    if (frame.empty()) return;
    if (stopped) return note(frame, "below the entry point");
    if (frames.size() >= topFrames) return note(frame, narrowed.empty() ? "beyond --frames" : narrowed);
    const FrameRole role = frameRole(symbolOf(frame), event.kind);
    if (isPlumbing(role)) {
      stopped = true;
      entryFrame = frame;
      return note(frame, frameRoleReason(role));
    }
    if (role != FrameRole::Keep) return note(frame, frameRoleReason(role));
    // The RIP function is usually also the first frame (or its unreliable twin): once is enough.
    if (!frames.empty() && frames.back() == frame) return note(frame, "repeats the frame above");
    frames.push_back(frame);
    note(frame, {});
  };
  // Hung tasks have no RIP (the task is asleep); an OOM's RIP is wherever the allocation was.
  if (event.kind != EventKind::HungTask && event.kind != EventKind::OomKill) push(event.rip);
  // The interrupted context's trace ("CPU: .. PID:" header) rather than a task dump: an RCU stall
  // report shows the grace-period kthread first, then the CPU that stalls.
  const EventStack* chosen = nullptr;
  for (const EventStack& st : event.stacks) {
    if (st.end == st.begin) continue;
    if (chosen == nullptr) chosen = &st;
    if (st.cpuContext && !chosen->cpuContext) chosen = &st;
  }
  if (chosen != nullptr) {
    std::uint16_t from = chosen->begin, to = chosen->end;
    if (chosen->startsInIrq && chosen->irqEnd != 0) {
      if (isLockupKind(event.kind)) {
        // The watchdog's interrupt is on top; what it interrupted is what did not stop.
        for (std::uint16_t i = from; i < chosen->irqEnd; ++i)
          note(event.frame(i), "the watchdog's interrupt");
        from = chosen->irqEnd;
      } else {
        to = chosen->irqEnd;
      }
    }
    for (std::uint16_t i = from; i < to; ++i) push(event.frame(i));
    for (std::uint16_t i = to; i < chosen->end; ++i) note(event.frame(i), "interrupted context");
  }
  // Nothing above the entry plumbing, and nothing the report names (a WARNING's position, a
  // message): the plumbing frame closest to the bug is the best there is ("scheduling while
  // atomic" in exit_to_user_mode_prepare, a GPF in run_timer_softirq).
  if (frames.empty() && !entryFrame.empty() && event.site.empty() && event.message.empty()) {
    frames.push_back(entryFrame);
    if (notes != nullptr)
      for (FrameNote& n : *notes)
        if (n.frame == entryFrame) {
          n.why.clear();
          break;
        }
  }

  key += kindName(event.kind);
  key += '|';
  if (classInKey(event.kind))
    maskNumbers(event.kind == EventKind::Panic ? event.panicMessage : canonicalClass(event.cls), key);
  switch (event.kind) {
    case EventKind::OomKill:
    case EventKind::MachineCheck:
      // What was killed / which bank failed: the call trace is whatever allocated or was running.
      key += '|';
      maskNumbers(event.message, key);
      return;
    case EventKind::HungTask:
      if (frames.empty()) {
        key += '|';
        maskNumbers(event.comm, key);
        return;
      }
      break;
    default:
      break;
  }
  if (const std::string_view driver = namedDriver(event.message); !driver.empty()) {
    key += "|driver:";
    key += driver;
  }
  for (std::string_view f : frames) {
    key += '|';
    key += f;
  }
  if (!frames.empty()) return;
  // No frame at all: what the report names. A WARNING's source position, else its message.
  if (!event.site.empty()) {
    key += "|at:";
    key += event.site;
  } else if (!event.message.empty()) {
    key += "|msg:";
    maskNumbers(event.message.substr(0, 80), key);
  }
}

std::uint64_t Signature::hash(std::string_view key) {
  return Fnv1a::of(key);
}

std::string Signature::id(std::uint64_t hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(12, '0');
  for (int i = 0; i < 12; ++i) out[static_cast<std::size_t>(i)] = kHex[(hash >> (60 - 4 * i)) & 0xf];
  return out;
}

}  // namespace ncxdp
