#include "triage/Signature.h"
#include "util/Fnv1a.h"

#include <algorithm>
#include <array>

namespace ncxdp {

namespace {

// Sorted, for binary search. The frames that print a report or take the trap/interrupt that led
// to it: they appear on top of every report of a kind and say nothing about the bug.
constexpr std::array<std::string_view, 64> kMachinery = {
    "__bad_area_nosemaphore",
    "__die",
    "__die_body",
    "__hrtimer_run_queues",
    "__perf_event_overflow",
    "__show_regs",
    "__sysvec_apic_timer_interrupt",
    "__warn",
    "__warn_printk",
    "apic_timer_interrupt",
    "arch_trigger_cpumask_backtrace",
    "asm_exc_general_protection",
    "asm_exc_int3",
    "asm_exc_invalid_op",
    "asm_exc_page_fault",
    "asm_sysvec_apic_timer_interrupt",
    "bad_area_nosemaphore",
    "check_cpu_stall",
    "die",
    "die_addr",
    "do_error_trap",
    "do_general_protection",
    "do_invalid_op",
    "do_kern_addr_fault",
    "do_trap",
    "do_user_addr_fault",
    "dump_header",
    "dump_stack",
    "dump_stack_lvl",
    "exc_general_protection",
    "exc_int3",
    "exc_invalid_op",
    "exc_page_fault",
    "handle_bug",
    "handle_page_fault",
    "hrtimer_interrupt",
    "kernelmode_fixup_or_oops",
    "local_apic_timer_interrupt",
    "nmi_cpu_backtrace",
    "nmi_panic",
    "nmi_trigger_cpumask_backtrace",
    "no_context",
    "oom_kill_process",
    "oops_end",
    "out_of_memory",
    "page_fault_oops",
    "panic",
    "print_cpu_stall",
    "print_other_cpu_stall",
    "rcu_dump_cpu_stacks",
    "rcu_pending",
    "rcu_sched_clock_irq",
    "report_bug",
    "show_regs",
    "show_stack",
    "show_trace_log_lvl",
    "smp_apic_timer_interrupt",
    "sysvec_apic_timer_interrupt",
    "tick_nohz_handler",
    "tick_sched_handle",
    "tick_sched_timer",
    "update_process_times",
    "vpanic",
    "warn_slowpath_fmt",
};

// Where a hung task sleeps: the scheduler and the generic waits. The caller of these is the bug.
constexpr std::array<std::string_view, 38> kSleeping = {
    "__down",
    "__down_common",
    "__folio_lock",
    "__lock_page",
    "__mutex_lock",
    "__mutex_lock_slowpath",
    "__schedule",
    "__wait_for_common",
    "__wait_on_bit",
    "__wait_on_bit_lock",
    "bit_wait",
    "bit_wait_io",
    "down",
    "down_read",
    "down_write",
    "folio_wait_bit_common",
    "io_schedule",
    "io_schedule_timeout",
    "msleep",
    "mutex_lock",
    "out_of_line_wait_on_bit",
    "out_of_line_wait_on_bit_lock",
    "rwsem_down_read_slowpath",
    "rwsem_down_write_slowpath",
    "schedule",
    "schedule_hrtimeout_range",
    "schedule_hrtimeout_range_clock",
    "schedule_preempt_disabled",
    "schedule_timeout",
    "schedule_timeout_idle",
    "schedule_timeout_interruptible",
    "schedule_timeout_killable",
    "schedule_timeout_uninterruptible",
    "wait_for_common",
    "wait_for_completion",
    "wait_for_completion_interruptible",
    "wait_for_completion_killable",
    "wait_for_completion_timeout",
};

bool contains(const auto& sorted, std::string_view symbol) {
  return std::binary_search(sorted.begin(), sorted.end(), symbol);
}

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

bool Signature::isMachinery(std::string_view symbol, EventKind kind) {
  if (contains(kMachinery, symbol)) return true;
  return kind == EventKind::HungTask && contains(kSleeping, symbol);
}

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

void Signature::build(const Event& event, std::size_t topFrames, std::string& key,
                      std::vector<std::string_view>& frames) {
  key.clear();
  frames.clear();
  auto push = [&](std::string_view frame) {
    if (frames.size() >= topFrames || frame.empty()) return;
    if (isMachinery(symbolOf(frame), event.kind)) return;
    // The RIP function is usually also the first frame (or its unreliable twin): once is enough.
    if (!frames.empty() && frames.back() == frame) return;
    frames.push_back(frame);
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
  if (chosen != nullptr)
    for (std::uint16_t i = chosen->begin; i < chosen->end; ++i) push(event.frame(i));

  key += kindName(event.kind);
  key += '|';
  if (classInKey(event.kind))
    maskNumbers(event.kind == EventKind::Panic ? event.panicMessage : event.cls, key);
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
  for (std::string_view f : frames) {
    key += '|';
    key += f;
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
