// Which call-trace frames identify a bug and which only identify the kernel version, the
// architecture or the way the report was printed. One table (SignatureRules.cpp) lists every frame the
// signature skips, with the role it plays and, per entry, which kernels print it; Signature asks it
// about every frame and reports the role as the reason a frame was skipped (`--explain`).
#pragma once

#include <cstdint>
#include <string_view>

#include "triage/EventKind.h"

namespace ncxdp {

enum class FrameRole : std::uint8_t {
  Keep = 0,   // identifies the bug
  Report,     // prints the report: dump_stack, __warn, panic, show_stack, lockdep's print_*
  Trap,       // takes the exception that led to the report: invalid_op, exc_page_fault, el1_sync, __dabt_svc
  Entry,      // enters the kernel from user space: do_syscall_64, el0_svc, __x64_sys_*, ret_fast_syscall
  Interrupt,  // interrupt and softirq plumbing: irq_exit, __do_softirq, sysvec_apic_timer_interrupt
  Thread,     // starts kernel threads and work items: kthread, ret_from_fork, worker_thread, process_one_work
  Lock,       // lock primitives: _raw_spin_lock, mutex_lock, down_write (the caller took the lock)
  Lockdep,    // lockdep's own checks: lock_acquire, __lock_acquire, validate_chain
  Sanitizer,  // KASAN/KCOV/UBSAN runtime: kasan_report, __asan_load8, check_memory_region
  Allocator,  // the slab and page allocators: kfree, kmem_cache_free, slab_free_freelist_hook
  Sleep,      // the scheduler and wait primitives a task sleeps in: schedule, io_schedule, cv_wait_common
  Library,    // generic helpers a bug passes through: memcpy, rb_erase, __list_del_entry_valid
  DebugObjects,  // debugobjects' checks (ODEBUG reports): debug_print_object, debug_check_no_obj_freed
};

// "prints the report", "exception entry", ...: why a frame of this role is skipped.
std::string_view frameRoleReason(FrameRole role);

// The role of a normalised symbol (no offset, no clone suffix) in a report of this kind.
FrameRole frameRole(std::string_view symbol, EventKind kind);

// Roles that mark the bottom of the interesting part of a trace: below them is how the kernel
// was entered (a syscall, a kernel thread, an interrupt), never the bug.
inline bool isPlumbing(FrameRole role) {
  return role == FrameRole::Entry || role == FrameRole::Interrupt || role == FrameRole::Thread;
}

}  // namespace ncxdp

namespace ncxdp {

// The same reason class as printed by other kernels: "general protection fault, probably for
// non-canonical address" (5.x) and "general protection fault" (4.x) are one class, and so are
// 4.x's "unable to handle kernel paging request" and 5.x's "unable to handle page fault". Returns
// `cls` itself when no rule applies.
std::string_view canonicalClass(std::string_view cls);

}  // namespace ncxdp
