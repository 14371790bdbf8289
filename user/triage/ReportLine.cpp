#include "triage/ReportLine.h"

#include <array>
#include <charconv>

namespace ncxdp {

namespace {

bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && isBlank(s.back())) s.remove_suffix(1);
  return s;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool isHex(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int parseInt(std::string_view s) {
  int v = -1;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  return res.ec == std::errc{} ? v : -1;
}

// Text up to the first of the given separators.
std::string_view cutAt(std::string_view s, std::initializer_list<std::string_view> seps) {
  std::size_t end = s.size();
  for (std::string_view sep : seps) end = std::min(end, s.find(sep));
  return trim(s.substr(0, end));
}

// The tail of a "Tainted: G   W  OE   6.1.0-56-amd64 #1 Debian ..." or "Not tainted 6.1.0 #1 ...":
// the taint flags are single letters, the release is the first token that starts with a digit.
void parseTaintTail(std::string_view tail, ReportLine& out) {
  std::size_t i = 0;
  while (i < tail.size()) {
    while (i < tail.size() && tail[i] == ' ') ++i;
    std::size_t j = i;
    while (j < tail.size() && tail[j] != ' ') ++j;
    const std::string_view token = tail.substr(i, j - i);
    if (!token.empty() && isDigit(token[0]) && token.find('.') != std::string_view::npos) {
      out.taint = trim(tail.substr(0, i));
      out.release = token;
      return;
    }
    i = j;
  }
  out.taint = trim(tail);
}

// "CPU: 0 [UID: 0] PID: 97 Comm: sh Tainted: ..." (6.12 added UID).
bool parseCpuHeader(std::string_view t, ReportLine& out) {
  const std::size_t pidAt = t.find(" PID: ");
  const std::size_t commAt = t.find(" Comm: ");
  if (pidAt == std::string_view::npos || commAt == std::string_view::npos || commAt < pidAt) return false;
  out.type = LineType::CpuHeader;
  out.cpu = parseInt(cutAt(t.substr(5), {" "}));
  out.pid = parseInt(cutAt(t.substr(pidAt + 6), {" "}));
  std::string_view rest = t.substr(commAt + 7);
  if (const std::size_t at = rest.rfind(" Tainted: "); at != std::string_view::npos) {
    out.comm = rest.substr(0, at);
    parseTaintTail(rest.substr(at + 10), out);
  } else if (const std::size_t nt = rest.rfind(" Not tainted"); nt != std::string_view::npos) {
    out.comm = rest.substr(0, nt);
    parseTaintTail(rest.substr(nt + 12), out);
    out.taint = {};
  } else {
    out.comm = cutAt(rest, {" "});
  }
  return true;
}

// "<TASK>", "</IRQ>", "<#DF>", "<EOI>": short, upper case, in angle brackets.
bool isStackMarker(std::string_view t) {
  if (t.size() < 3 || t.size() > 12 || t.front() != '<' || t.back() != '>') return false;
  for (std::size_t i = 1; i + 1 < t.size(); ++i) {
    const char c = t[i];
    if (!((c >= 'A' && c <= 'Z') || c == '#' || c == '/' || c == '_')) return false;
  }
  return true;
}

// Register dumps are the bulk of every oops: "RSP: 0018:...", "R10: ...", "FS:  000...", "CR2: ...",
// "PKRU: 55555554", 32-bit "EAX: ...", arm64 "x29: ...". Only the names that start such lines.
bool isRegisterDump(std::string_view t) {
  static constexpr std::array<std::string_view, 17> kFirst = {"RSP",  "RAX", "RDX", "RBP", "R10",   "R13",
                                                              "FS",   "CS",  "CR0", "CR2", "DR0",   "DR3",
                                                              "PKRU", "EAX", "ESI", "DS",  "EFLAGS"};
  const std::size_t colon = t.find(':');
  if (colon == std::string_view::npos || colon + 1 >= t.size()) return false;
  std::string_view name = t.substr(0, colon);
  // arm32 prints " r9:ffffffff r8:800b0093 r7:00000080" inside its backtraces.
  if (t[colon + 1] != ' ') return name.size() >= 2 && name.size() <= 3 && name[0] == 'r' && isDigit(name[1]);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);  // "r9 : c0e12340"

  if (name.size() >= 2 && name[0] == 'x' && isDigit(name[1])) return true;  // arm64 x0..x29
  if (name.size() >= 2 && name[0] == 'r' && isDigit(name[1]))
    return true;  // arm32 "r10: ..." / " r7:df91 r6:..."
  if (name.size() >= 4 && name.size() <= 5 && name.substr(0, 3) == "GPR") return true;  // ppc64 GPR00
  for (std::string_view r : kFirst)
    if (name == r) return true;
  return false;
}

// Lines that only ever appear inside reports; they keep a report open but carry nothing we keep.
constexpr std::array<std::string_view, 53> kDetailPrefixes = {
    "Code: ",
    "Hardware name: ",
    "#PF: ",
    "PGD ",
    "Kernel Offset: ",
    "Rebooting in ",
    "rcu: ",
    "(detected by ",
    "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\"",
    "Mem-Info:",
    "Workqueue: ",
    "note: ",
    "Sending NMI from CPU",
    "NMI backtrace for cpu",
    "Fixing recursive fault",
    "irq event stamp:",
    "hardirqs last",
    "softirqs last",
    "Tasks state (memory values in pages):",
    "Dumping ftrace buffer",
    "Shutting down cpus with NMI",
    "Stack:",
    "Internal error: ",
    "Memory cgroup stats for ",
    "Call trace for ",
    "lr : ",
    "sp : ",
    "LR is at ",         // arm32, arm64 3.x-4.x
    "Flags: ",           // arm32
    "Control: ",         // arm32
    "Process ",          // arm32, arm64 3.x-4.x "Process sh (pid: 1, stack limit = 0x...)"
    "Exception stack(",  // arm32
    "Backtrace: ",       // arm32 "Backtrace: frame pointer underflow"
    "Register r",        // arm32 6.x "Register r0 information: ..."
    "pgd = ",            // arm32
    "Mem abort info:",   // arm64
    "  ESR = ",
    "Data abort info:",
    "user pgtable:",
    "swapper pgtable:",
    "MSR: ",  // ppc64
    "REGS: ",
    "CFAR: ",
    "NIP: ",
    "LR [",
    "--- interrupt:",
    "SOFTE: ",
    "TASK = ",
    "Instruction dump:",
    "Krnl PSW",  // s390
    "Krnl GPRS:",
    "Krnl Code:",
    "Last Breaking-Event-Address:",
};

// "Oops: 0000 [#1] ...", "invalid opcode: 0000 [#1]", "general protection fault, probably for
// non-canonical address 0xdead000000000100: 0000 [#4]", 6.12's "Oops: invalid opcode: 0000 [#1]",
// arm64's "Internal error: Oops: 0000000096000004 [#1]". Returns the class or an empty view.
std::string_view dieLineClass(std::string_view t) {
  const std::size_t at = t.find(" [#");
  if (at == std::string_view::npos || at < 6) return {};
  std::size_t i = at + 3;
  if (i >= t.size() || !isDigit(t[i])) return {};
  while (i < t.size() && isDigit(t[i])) ++i;
  if (i >= t.size() || t[i] != ']') return {};
  // Before " [#": ": " then the error code in hex: "0000" (x86), "96000004" (arm64), "805" and
  // "1b" (arm32, "Internal error: : 1b [#1]"), ppc64's "sig: 11".
  std::size_t h = at;
  while (h > 0 && isHex(t[h - 1])) --h;
  if (at - h < 1 || h < 2 || t[h - 1] != ' ' || t[h - 2] != ':') return {};
  std::string_view cls = t.substr(0, h - 2);
  if (cls.size() >= 5 && cls.substr(cls.size() - 5) == ", sig") cls.remove_suffix(5);
  if (cls.starts_with("Internal error:")) cls.remove_prefix(15);
  cls = trim(cls);
  if (!cls.empty() && cls.front() == ':') cls = trim(cls.substr(1));
  if (cls.starts_with("Oops: ") && cls.size() > 6) cls.remove_prefix(6);
  cls = cutAt(cls, {","});
  return cls.empty() ? std::string_view("Oops") : cls;
}

// The class of a "BUG: <what>" report: what, up to its first detail.
std::string_view bugClass(std::string_view what) {
  // Sanitizer reports name the bug type after the tool: "KASAN: slab-use-after-free in f+0x1/0x2".
  for (std::string_view tool : {"KASAN: ", "KFENCE: ", "KCSAN: ", "KMSAN: ", "UBSAN: "})
    if (what.starts_with(tool)) return cutAt(what, {" in ", " at ", ", "});
  return cutAt(what, {": ", ", ", " in ", " at ", " on CPU", " - ", "!"});
}

void trigger(ReportLine& out, EventKind kind, std::string_view cls) {
  out.type = LineType::Trigger;
  out.kind = kind;
  out.text = cls;
}

// Everything after "BUG: " (and after "watchdog: BUG: ").
void classifyBug(std::string_view what, ReportLine& out) {
  if (what.starts_with("soft lockup")) {
    trigger(out, EventKind::SoftLockup, "soft lockup");
    // "... stuck for 22s! [sh:111]"
    const std::size_t open = what.rfind('[');
    const std::size_t colon = what.rfind(':');
    if (open != std::string_view::npos && colon != std::string_view::npos && colon > open)
      out.comm = what.substr(open + 1, colon - open - 1);
    return;
  }
  if (what.starts_with("kernel NULL pointer dereference") ||
      what.starts_with("unable to handle kernel NULL pointer dereference"))
    return trigger(out, EventKind::Oops, "kernel NULL pointer dereference");
  if (what.starts_with("unable to handle page fault"))
    return trigger(out, EventKind::Oops, "unable to handle page fault");
  if (what.starts_with("unable to handle kernel paging request"))
    return trigger(out, EventKind::Oops, "unable to handle kernel paging request");
  trigger(out, EventKind::Bug, bugClass(what));
}

void classifyWarning(std::string_view rest, ReportLine& out) {
  // "CPU: 0 PID: 97 at path/file.c:43 func+0xe/0x15 [module]": the site is a frame.
  // 2.6-3.x "WARNING: at lib/dma-debug.c:800 check_unmap+0x9c/0x67f()" (no CPU/PID, "()" after
  // the frame); 3.x-4.x add "CPU: 0 PID: 1 at"; ppc64 3.x prints only "WARNING: at file:line".
  const std::size_t at = rest.starts_with("at ") ? 0 : rest.find(" at ");
  if ((rest.starts_with("CPU: ") && at != std::string_view::npos) || at == 0) {
    std::string_view site = rest.substr(at == 0 ? 3 : at + 4);
    const std::size_t space = site.find(' ');
    out.site = trim(site.substr(0, space));
    if (space != std::string_view::npos) out.hasFrame = StackFrame::parse(site.substr(space + 1), out.frame);
    return trigger(out, EventKind::Warning, {});
  }
  // lockdep and friends: "WARNING: possible circular locking dependency detected"
  trigger(out, EventKind::Warning, cutAt(rest, {" at ", ": "}));
  out.lockdep = true;
}

bool classifyMce(std::string_view rest, ReportLine& out) {
  if (rest.starts_with("[Hardware Error]: ")) rest.remove_prefix(18);
  if (rest.starts_with("CPU ")) {
    const std::size_t colon = rest.find(": ");
    if (colon == std::string_view::npos) return false;
    const std::string_view what = rest.substr(colon + 2);
    if (!what.starts_with("Machine Check")) return false;
    // "Machine Check Exception: 5 Bank 1: b200000000000000" (fatal) or "Machine Check: 0 Bank 4: ..."
    trigger(out, EventKind::MachineCheck, cutAt(what, {":"}));
    const std::size_t bank = what.find("Bank ");
    if (bank != std::string_view::npos) out.comm = cutAt(what.substr(bank), {":"});  // "Bank 1"
    return true;
  }
  if (rest.starts_with("Machine check events logged")) {
    trigger(out, EventKind::MachineCheck, "Machine check events logged");
    return true;
  }
  if (rest.starts_with("Uncorrected hardware memory error")) {
    trigger(out, EventKind::MachineCheck, "Uncorrected hardware memory error");
    return true;
  }
  return false;
}

}  // namespace

ReportLine ReportLine::classify(std::string_view line) {
  ReportLine out;
  const std::string_view t = trim(line);
  if (t.empty()) return out;
  const bool indented = isBlank(line.front());

  if (t.front() == '<' && isStackMarker(t)) {
    out.type = t[1] == '/' ? LineType::StackClose : LineType::StackOpen;
    out.text = t;
    return out;
  }
  // 2.6-3.x: " <IRQ>  [<ffffffff8105...>] warn_slowpath_common+0x7f/0xc0".
  if (t.front() == '<') {
    const std::size_t close = t.find('>');
    if (close != std::string_view::npos && isStackMarker(t.substr(0, close + 1)) &&
        StackFrame::parse(t.substr(close + 1), out.frame)) {
      out.type = LineType::Frame;
      out.hasFrame = true;
      out.marker = t.substr(0, close + 1);
      return out;
    }
  }
  if (t.front() == '-') {
    if (t.starts_with("---[ end trace")) {
      out.type = LineType::EndTrace;
    } else if (t.starts_with("---[ end Kernel panic - not syncing: ")) {
      out.type = LineType::EndPanic;
      std::string_view msg = t.substr(37);
      if (msg.size() >= 5 && msg.substr(msg.size() - 5) == " ]---") msg.remove_suffix(5);
      out.text = trim(msg);
    } else if (t.starts_with("------------[ cut here ]")) {
      out.type = LineType::CutHere;
    } else if (t.starts_with("---[ ")) {
      out.type = LineType::Detail;
    }
    return out;
  }
  if (t.starts_with("Kernel panic - not syncing: ")) {
    out.type = LineType::PanicLine;
    out.text = trim(t.substr(28));
    return out;
  }
  if (t.starts_with("WARNING: ")) {
    classifyWarning(t.substr(9), out);
    return out;
  }
  if (t.starts_with("kernel BUG at ")) {
    trigger(out, EventKind::Oops, "kernel BUG");
    out.site = cutAt(t.substr(14), {"!", " "});
    return out;
  }
  // arm32 and arm64 fault reports (all releases): the same classes as x86's "BUG: ..." lines.
  if (t.starts_with("Unable to handle kernel ")) {
    const std::string_view what = t.substr(24);
    if (what.starts_with("NULL pointer dereference"))
      trigger(out, EventKind::Oops, "kernel NULL pointer dereference");
    else if (what.starts_with("paging request"))
      trigger(out, EventKind::Oops, "unable to handle page fault");
    else
      trigger(out, EventKind::Oops, cutAt(t, {" at ", ","}));
    return out;
  }
  // arm32: "Unhandled fault: page domain fault (0x01b) at 0x00000e30", then "Internal error: : 1b".
  if (t.starts_with("Unhandled fault: ")) {
    trigger(out, EventKind::Oops, cutAt(t, {" (", " at "}));
    return out;
  }
  // Lockdep's headers on 2.6-4.x ("[ INFO: possible circular locking dependency detected ]",
  // "[ BUG: bad unlock balance detected! ]") are its WARNINGs of 4.x+; 5.7+ still prints
  // "[ BUG: Invalid wait context ]", a BUG.
  if (t.size() > 12 && t.starts_with("[ ") && t.back() == ']' && t[t.size() - 2] == ' ') {
    const std::string_view inner = trim(t.substr(2, t.size() - 3));
    if (inner.starts_with("INFO: ") || inner.starts_with("BUG: ")) {
      std::string_view cls = trim(inner.substr(inner.find(' ') + 1));
      while (!cls.empty() && (cls.back() == '!' || cls.back() == '.')) cls.remove_suffix(1);
      trigger(out, cls.starts_with("Invalid wait context") ? EventKind::Bug : EventKind::Warning, cls);
      out.lockdep = true;
      return out;
    }
  }
  if (t.starts_with("BUG: ")) {
    classifyBug(t.substr(5), out);
    return out;
  }
  if (t.starts_with("watchdog: ") || t.starts_with("NMI watchdog: ")) {
    const std::string_view rest = t.substr(t.find(": ") + 2);
    if (rest.starts_with("BUG: ")) {
      classifyBug(rest.substr(5), out);
    } else if (rest.find("detected hard LOCKUP") != std::string_view::npos) {
      trigger(out, EventKind::HardLockup, "hard LOCKUP");
    } else {
      out.type = LineType::Other;
    }
    return out;
  }
  if (t.starts_with("INFO: task ")) {
    // "INFO: task sh:103 blocked for more than 2 seconds." (the name may contain ':' or spaces)
    const std::size_t blocked = t.find(" blocked for more than ");
    if (blocked != std::string_view::npos) {
      trigger(out, EventKind::HungTask, "task blocked");
      const std::string_view who = t.substr(11, blocked - 11);
      out.comm = who.substr(0, who.rfind(':'));
    }
    return out;
  }
  // A task name with a newline in it splits "INFO: task <name>:<pid> blocked for more than N
  // seconds." over two lines: the second still says what happened.
  if (const std::size_t blocked = t.find(" blocked for more than ");
      blocked != std::string_view::npos && t.back() == '.' &&
      t.find(" seconds", blocked) != std::string_view::npos) {
    const std::string_view who = t.substr(0, blocked);
    if (who.rfind(':') != std::string_view::npos) {
      trigger(out, EventKind::HungTask, "task blocked");
      out.comm = who.substr(0, who.rfind(':'));
      return out;
    }
  }
  {
    std::string_view r = t;
    if (r.starts_with("rcu: ")) r.remove_prefix(5);
    if (r.starts_with("INFO: ") && r.find("stall") != std::string_view::npos) {
      trigger(out, EventKind::RcuStall, cutAt(r.substr(6), {":", " {"}));
      return out;
    }
    if (r.data() != t.data()) {  // other "rcu: ..." lines
      out.type = LineType::Detail;
      return out;
    }
  }
  if (const std::size_t at = t.find(" invoked oom-killer: "); at != std::string_view::npos) {
    trigger(out, EventKind::OomKill, "out of memory");
    out.comm = t.substr(0, at);
    return out;
  }
  if (const std::size_t at = t.find("Killed process "); at != std::string_view::npos && at < 40) {
    // "Out of memory: Killed process 117 (hog) total-vm:..." / "Memory cgroup out of memory: ..."
    const std::size_t open = t.find(" (", at);
    const std::size_t close = t.find(')', open == std::string_view::npos ? 0 : open);
    if (open != std::string_view::npos && close != std::string_view::npos) {
      out.type = LineType::OomKilled;
      out.comm = t.substr(open + 2, close - open - 2);
      out.text = t.starts_with("Memory cgroup") ? "memcg" : "global";
      return out;
    }
  }
  if (t.starts_with("oom-kill:constraint=")) {
    out.type = LineType::OomConstraint;
    out.text = cutAt(t.substr(20), {","});
    return out;
  }
  if (t.starts_with("mce: ")) {
    if (!classifyMce(t.substr(5), out)) out.type = LineType::Detail;
    return out;
  }
  if (const std::string_view cls = dieLineClass(t); !cls.empty()) {
    out.type = LineType::DieLine;
    out.text = cls;
    return out;
  }
  if (t.starts_with("CPU: ") && parseCpuHeader(t, out)) return out;
  if (t.starts_with("Tainted: ")) {
    out.type = LineType::TaintLine;
    parseTaintTail(t.substr(9), out);
    return out;
  }
  if (t.starts_with("Not tainted ")) {
    out.type = LineType::TaintLine;
    parseTaintTail(t.substr(12), out);
    out.taint = {};
    return out;
  }
  if (t.starts_with("task:")) {
    out.type = LineType::TaskHeader;
    out.comm = cutAt(t.substr(5), {" "});
    return out;
  }
  // Where the fault was: x86-64 "RIP: 0010:sym+0x1/0x2 [mod]" (3.x: "RIP: 0010:[<ffffffff81...>]
  // [<ffffffff81...>] sym+0x1/0x2"; decode_stacktrace.sh: "RIP: 0010:sym (file.c:157)"), x86 4.x
  // "IP: [<ffffffff82d4e304>] sym+0x24/0x30", x86-32 "EIP: [<c05fcc7a>] sym+0x9c/0x67f SS:ESP ..."
  // and "EIP is at sym+0x1/0x2", arm64 "pc : sym+0x1/0x2", arm32 and arm64 3.x-4.x "PC is at
  // sym+0x1/0x2", ppc64 "NIP [c000000008068dfc] .sym+0x27c/0x390". A user-space RIP ("RIP:
  // 0033:0x47b7a0") and arm32's "pc : [<c019d604>]    lr : [<c018dcc8>]" have no symbol.
  for (std::string_view p : {"RIP: ", "EIP: ", "pc : ", "PC is at ", "NIP [", "IP: ", "EIP is at "}) {
    if (!t.starts_with(p)) continue;
    std::string_view rest = t.substr(p == "NIP [" ? 4 : p.size());
    if (rest.size() > 5 && rest[4] == ':' && isHex(rest[0])) rest.remove_prefix(5);
    out.hasFrame = StackFrame::parseLeading(rest, out.frame);
    out.type = out.hasFrame ? LineType::Rip : LineType::Detail;
    return out;
  }
  // 4.x printed its raw stack words with pr_cont, so "Call Trace:" can end a line of them.
  if (t == "Call Trace:" || t == "Call trace:" || t.starts_with("Backtrace:") ||
      (t.size() > 11 && t.substr(t.size() - 11) == "Call Trace:" && isHex(t[t.size() - 12]))) {
    out.type = LineType::CallTrace;
    return out;
  }
  if (t == "stack backtrace:") {
    out.type = LineType::StackBacktrace;
    return out;
  }
  // KASAN (4.x+) and SLUB debugging (2.6-4.x "INFO: Allocated in ...") after the report's trace.
  for (std::string_view p :
       {"Allocated by task ", "Freed by task ", "The buggy address belongs to",
        "Memory state around the buggy address", "Last potentially related work creation",
        "INFO: Allocated in ", "INFO: Freed in ", "Allocated:", "Freed:"}) {
    if (t.starts_with(p)) {
      out.type = LineType::SectionEnd;
      return out;
    }
  }
  if (t.starts_with("last function: ")) {  // "BUG: workqueue leaked lock or atomic", all releases
    out.type = LineType::Hint;
    out.text = cutAt(t.substr(15), {" "});
    return out;
  }
  // Lockdep's lock lines: " (&buf->lock){+.+...}, at: [<ffffffff9edb41bb>] tty_buffer_flush+0xbb/0x3a0"
  // (2.6-5.x), "ffff8880 (&buf->lock){+.+.}-{3:3}, at: tty_buffer_flush+0x6d/0x2a0" (5.x+).
  if (const std::size_t at = t.find("}, at: "); at != std::string_view::npos) {
    std::string_view rest = t.substr(at + 7);
    if (StackFrame::parseLeading(rest, out.frame)) {
      out.type = LineType::Hint;
      out.text = out.frame.symbol;
      return out;
    }
  }
  if (t.starts_with("Modules linked in:")) {
    out.type = LineType::Modules;
    out.text = trim(t.substr(18));
    return out;
  }
  if (t.starts_with("Linux version ")) {
    out.type = LineType::KernelVersion;
    out.text = cutAt(t.substr(14), {" "});
    return out;
  }
  // Frames are indented, except those that start with an address column (arm32, ppc64, s390).
  if ((indented || t.front() == '[' || t.front() == '(') && StackFrame::parse(line, out.frame)) {
    out.type = LineType::Frame;
    out.hasFrame = true;
    return out;
  }
  // x86 raw stack words on 2.6-4.x (" ffff8801c8e476d8 ffffffff81d90889 ..."): a detail.
  if (indented && t.size() >= 17 && isHex(t[0]) && isHex(t[7]) && (t[8] == ' ' || t[16] == ' ')) {
    out.type = LineType::Detail;
    return out;
  }
  // arm32 stack dumps: "3fe0: 00000000 00000000 ..." (4 hex digits, a colon, words).
  if (t.size() > 14 && t[4] == ':' && t[5] == ' ' && isHex(t[0]) && isHex(t[3]) && isHex(t[6])) {
    out.type = LineType::Detail;
    return out;
  }
  if (isRegisterDump(t)) {
    out.type = LineType::Detail;
    return out;
  }
  for (std::string_view p : kDetailPrefixes) {
    if (t.starts_with(p)) {
      out.type = LineType::Detail;
      return out;
    }
  }
  return out;
}

}  // namespace ncxdp
