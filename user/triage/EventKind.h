// What kind of kernel report an event is. The names are the ones the report, the JSON output and
// the metrics labels use, so they never change once released.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ncxdp {

enum class EventKind : std::uint8_t {
  Panic = 0,     // "Kernel panic - not syncing: ..." not caused by an earlier report
  Oops,          // Oops, kernel BUG at, NULL pointer dereference, page fault, GPF, invalid opcode
  Bug,           // other "BUG: ..." reports: scheduling while atomic, sleeping in atomic, KASAN, ...
  Warning,       // "WARNING: CPU: .. at file:line func"
  SoftLockup,    // "watchdog: BUG: soft lockup - CPU#0 stuck for 22s!"
  HardLockup,    // "Watchdog detected hard LOCKUP on cpu 1"
  HungTask,      // "INFO: task sh:103 blocked for more than 120 seconds."
  RcuStall,      // "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:" / "self-detected stall"
  OomKill,       // "... invoked oom-killer" .. "Out of memory: Killed process 117 (hog)"
  MachineCheck,  // "mce: [Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 1: ..."
};

inline constexpr std::size_t kEventKindCount = 10;

// "panic", "oops", "bug", "warning", "soft_lockup", "hard_lockup", "hung_task", "rcu_stall",
// "oom_kill", "machine_check".
std::string_view kindName(EventKind kind);

// Every kind, in enum order (for tables indexed by kind).
inline constexpr std::array<EventKind, kEventKindCount> kAllEventKinds = {
    EventKind::Panic,      EventKind::Oops,        EventKind::Bug,      EventKind::Warning,
    EventKind::SoftLockup, EventKind::HardLockup,  EventKind::HungTask, EventKind::RcuStall,
    EventKind::OomKill,    EventKind::MachineCheck};

}  // namespace ncxdp
