// Classifies one line of kernel log text (without printk prefixes) as part of a kernel report:
// the line that starts a report (and which kind), the lines that carry the facts triage keeps
// (CPU/PID/Comm/Tainted, RIP, call-trace frames, Modules linked in, end markers), lines that belong
// to a report but carry nothing kept (register dumps, #PF details, rcu:/mce: details), and
// everything else. Pure and allocation-free: every view points into the line.
//
// The formats are those of Linux 2.6 to 6.18 on x86-64 and x86-32, arm64, arm32 and ppc64, as printed by
// lib/bug.c, kernel/panic.c, arch/x86/kernel/dumpstack.c, arch/x86/mm/fault.c, kernel/watchdog.c,
// kernel/hung_task.c, kernel/rcu/tree_stall.h, mm/oom_kill.c and arch/x86/kernel/cpu/mce/.
#pragma once

#include <cstdint>
#include <string_view>

#include "triage/EventKind.h"
#include "triage/StackFrame.h"

namespace ncxdp {

enum class LineType : std::uint8_t {
  Other,    // not part of any report we know
  Trigger,  // starts a report: kind, reason class
  DieLine,  // "Oops: 0000 [#1] ...", "invalid opcode: 0000 [#1]", "general protection fault, ...: 0000 [#3]"
  PanicLine,       // "Kernel panic - not syncing: <message>"
  EndTrace,        // "---[ end trace 0000000000000000 ]---"
  EndPanic,        // "---[ end Kernel panic - not syncing: <message> ]---"
  CutHere,         // "------------[ cut here ]------------" (a WARN/BUG message may follow)
  CpuHeader,       // "CPU: 0 [UID: 0] PID: 97 Comm: sh Tainted: G   OE   6.1.0-56-amd64 #1 ..."
  TaintLine,       // "      Tainted: G   W  OE   6.1.0-56-amd64 #1 ..." (hung task) / "Not tainted ..."
  TaskHeader,      // "task:sh  state:D stack:0 pid:103 ..." (a task's stack follows)
  Rip,             // "RIP: 0010:crashme_bug+0xe/0x15 [ncxdp_crashme]" / arm64 "pc : ..."
  CallTrace,       // "Call Trace:" / "Call trace:"
  StackOpen,       // " <TASK>", " <IRQ>", " <NMI>", " <SOFTIRQ>"
  StackClose,      // " </TASK>", " </IRQ>", ...
  Frame,           // " ? vfs_write+0xc7/0x3f0" and friends
  Modules,         // "Modules linked in: a b(OE) c"
  OomConstraint,   // "oom-kill:constraint=CONSTRAINT_NONE,...,task=hog,pid=117,uid=0"
  OomKilled,       // "Out of memory: Killed process 117 (hog) ..."
  KernelVersion,   // "Linux version 6.1.0-56-amd64 (debian-kernel@...) ..." boot banner
  StackBacktrace,  // lockdep's "stack backtrace:": the report's own trace follows (the chains before it are
                   // not)
  SectionEnd,  // KASAN's "Allocated by task 1:", "Freed by task 1:", "The buggy address belongs to ...": past
               // the trace
  Hint,        // a line naming what the report is about: a workqueue's "last function: addrconf_dad_work"
  Detail,      // belongs to a report, nothing kept: registers, Code:, #PF:, rcu:, mce:, Hardware name:, ...
};

struct ReportLine {
  LineType type = LineType::Other;
  EventKind kind = EventKind::Oops;  // Trigger only
  // Trigger, DieLine: the reason class ("kernel NULL pointer dereference", "invalid opcode",
  // "scheduling while atomic", "rcu_preempt self-detected stall"); PanicLine, EndPanic: the message;
  // OomKilled: the killed task's name; OomConstraint: the constraint; Modules: the module list;
  // KernelVersion: the release; HungTask trigger: "task <comm> blocked".
  std::string_view text;
  // Trigger (hung task, OOM invoker, soft lockup [comm:pid]) and CpuHeader: the task name.
  std::string_view comm;
  // CpuHeader, TaintLine: release ("6.1.0-56-amd64") and taint flags ("G      D W  OE").
  std::string_view release;
  std::string_view taint;
  int cpu = -1;  // CpuHeader
  int pid = -1;  // CpuHeader
  // Rip, Frame, and WARNING triggers (the warning site "... at file:line func+0x../0x.. [mod]").
  StackFrame frame;
  bool hasFrame = false;
  // Frame: a stack marker printed on the frame's own line by 2.6-3.x ("<IRQ>  [<ffffffff81...>] f+0x1/0x2").
  std::string_view marker;
  // WARNING and "kernel BUG at" triggers: the source position, "lib/debugobjects.c:505".
  std::string_view site;
  // Trigger: a lockdep-style report ("WARNING: possible circular locking dependency detected",
  // 2.6-4.x "[ INFO: possible circular locking dependency detected ]"): the call traces before its
  // "stack backtrace:" are the dependency chains, not where it happened.
  bool lockdep = false;

  // Classifies `line`, a kernel log line without its [time]/<level>/caller prefixes.
  static ReportLine classify(std::string_view line);
};

}  // namespace ncxdp
