// The signature rules: which frames say how a report was printed, how the kernel was entered or
// which primitive was waited in, rather than where the bug is; and which reason classes are the
// same class worded by another kernel. One entry per line, each with the kernels (and
// architectures) that print it. A name ending in '*' matches every symbol with that prefix.
// Tested against the public crash reports in tests/triage/real (triage_real_corpus).
#include "triage/SignatureRules.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

namespace ncxdp {

namespace {

struct FrameRule {
  std::string_view name;
  FrameRole role;
};

using R = FrameRole;

// clang-format off
constexpr FrameRule kFrameRules[] = {
    // ---- printing the report ---------------------------------------------------------------
    {"dump_stack", R::Report},                    // all kernels
    {"dump_stack_lvl", R::Report},                // 5.13+
    {"__dump_stack", R::Report},                  // 4.x+ when not inlined
    {"show_stack", R::Report},                    // arm32, arm64, ppc64, x86 (3.x-6.x)
    {"show_stack_log_lvl", R::Report},            // x86 3.x-4.8
    {"show_trace", R::Report},                    // x86 3.x
    {"show_trace_log_lvl", R::Report},            // x86 3.x-6.x
    {"dump_backtrace", R::Report},                // arm32, arm64 (3.x-6.x)
    {"dump_backtrace_log_lvl", R::Report},        // arm32 3.x-4.x
    {"unwind_backtrace", R::Report},              // arm32 with the unwinder (3.x-5.x)
    {"walk_stackframe", R::Report},               // riscv, arm64 5.x
    {"arch_stack_walk", R::Report},               // 5.2+
    {"__warn", R::Report},                        // 4.6+ WARN()
    {"__warn_printk", R::Report},                 // 4.15+
    {"warn_slowpath_common", R::Report},          // 2.6-4.5 WARN()
    {"warn_slowpath_fmt", R::Report},             // 2.6-5.x
    {"warn_slowpath_null", R::Report},            // 2.6-4.x
    {"warn_slowpath_fmt_taint", R::Report},       // 3.x (RHEL 7)
    {"report_bug", R::Report},                    // 4.x+ BUG()/WARN() trap handler
    {"panic", R::Report},                         // all kernels
    {"vpanic", R::Report},                        // 6.12+
    {"nmi_panic", R::Report},                     // 4.x+
    {"__show_regs", R::Report},                   // all kernels
    {"show_regs", R::Report},                     // all kernels
    {"show_regs_print_info", R::Report},          // 4.x+
    {"die", R::Report},                           // x86, arm32, arm64, ppc64
    {"__die", R::Report},                         // x86, arm32, arm64
    {"__die_body", R::Report},                    // x86 5.x+
    {"oops_end", R::Report},                      // x86 all
    {"oops_begin", R::Report},                    // x86 all
    {"bug_handler", R::Report},                   // arm64 4.x+ BUG()/WARN() break handler
    {"print_address_description*", R::Report},    // KASAN 4.x+
    {"print_report", R::Report},                  // KASAN 6.x
    {"print_circular_bug*", R::Report},           // lockdep 2.6-6.x
    {"print_unlock_imbalance_bug", R::Report},    // lockdep 2.6-6.x
    {"print_usage_bug", R::Report},               // lockdep 2.6-6.x
    {"print_bad_irq_dependency", R::Report},      // lockdep 2.6-6.x
    {"print_deadlock_bug", R::Report},            // lockdep 2.6-6.x
    {"print_lock_invalid_wait_context", R::Report},  // lockdep 5.7+
    {"print_irq_inversion_bug", R::Report},       // lockdep 2.6-6.x
    {"lockdep_rcu_suspicious", R::Report},        // 3.x-6.x suspicious RCU usage
    {"__schedule_bug", R::Report},                // scheduling while atomic, all kernels
    {"___might_sleep", R::Report},                // 4.x-5.15 sleeping in atomic context
    {"__might_sleep", R::Report},                 // 2.6-6.x
    {"__might_resched", R::Report},               // 5.16+
    {"__might_fault", R::Report},                 // 3.x-6.x
    {"might_fault", R::Report},                   // 3.x
    {"check_preemption_disabled", R::Report},     // 4.x-6.x smp_processor_id()/__this_cpu in preemptible
    {"__this_cpu_preempt_check", R::Report},      // 3.x-6.x
    {"debug_smp_processor_id", R::Report},        // 2.6-6.x
    {"nmi_cpu_backtrace", R::Report},             // 4.x+ stall and lockup backtraces
    {"nmi_trigger_cpumask_backtrace", R::Report}, // 4.x+
    {"arch_trigger_cpumask_backtrace", R::Report},  // 4.x+
    {"trigger_single_cpu_backtrace", R::Report},  // 4.x+
    {"rcu_dump_cpu_stacks", R::Report},           // 4.x+ RCU stall
    {"print_cpu_stall", R::Report},               // 3.x+ RCU stall
    {"print_other_cpu_stall", R::Report},         // 3.x+
    {"check_cpu_stall", R::Report},               // 3.x+
    {"rcu_pending", R::Report},                   // 3.x+
    {"rcu_sched_clock_irq", R::Report},           // 5.x+
    {"rcu_check_callbacks", R::Report},           // 3.x-4.x
    {"watchdog_timer_fn", R::Report},             // soft lockup detector, 4.x+
    {"watchdog_overflow_callback", R::Report},    // hard lockup detector, 4.x+
    {"watchdog", R::Report},                      // khungtaskd's loop, 3.x-4.x
    {"check_hung_task", R::Report},               // 3.x+
    {"check_hung_uninterruptible_tasks", R::Report},  // 3.x+
    {"sched_show_task", R::Report},               // 3.x+
    {"show_state_filter", R::Report},             // 3.x+
    {"debug_show_all_locks", R::Report},          // 3.x+
    {"dump_header", R::Report},                   // OOM report, 3.x+
    {"oom_kill_process", R::Report},              // 3.x+
    {"out_of_memory", R::Report},                 // 3.x+
    {"warn_alloc", R::Report},                    // 4.x+ page allocation failure
    {"bad_page", R::Report},                      // all kernels
    {"refcount_warn_saturate", R::Report},        // 5.x+ refcount WARN
    {"ubsan_epilogue", R::Report},                // 4.5+
    // ---- the exception that led to the report --------------------------------------------------
    {"invalid_op", R::Trap},                      // x86 4.x
    {"do_invalid_op", R::Trap},                   // x86 3.x-5.8
    {"do_error_trap", R::Trap},                   // x86 3.x-6.x
    {"do_trap", R::Trap},                         // x86 3.x-6.x
    {"fixup_bug", R::Trap},                       // x86 4.x
    {"handle_bug", R::Trap},                      // x86 5.8+
    {"exc_invalid_op", R::Trap},                  // x86 5.8+
    {"asm_exc_invalid_op", R::Trap},              // x86 5.8+
    {"general_protection", R::Trap},              // x86 3.x-4.x
    {"do_general_protection", R::Trap},           // x86 3.x-5.8
    {"exc_general_protection", R::Trap},          // x86 5.8+
    {"asm_exc_general_protection", R::Trap},      // x86 5.8+
    {"page_fault", R::Trap},                      // x86 3.x-5.7
    {"do_page_fault", R::Trap},                   // x86 3.x-5.7, arm32, arm64, ppc64
    {"__do_page_fault", R::Trap},                 // x86 3.x-5.7, ppc64
    {"exc_page_fault", R::Trap},                  // x86 5.8+
    {"asm_exc_page_fault", R::Trap},              // x86 5.8+
    {"do_user_addr_fault", R::Trap},              // x86 5.x+
    {"do_kern_addr_fault", R::Trap},              // x86 5.x+
    {"handle_page_fault", R::Trap},               // x86 5.x+, ppc64
    {"no_context", R::Trap},                      // x86 3.x-5.x
    {"__bad_area_nosemaphore", R::Trap},          // x86 3.x+
    {"bad_area_nosemaphore", R::Trap},            // x86 3.x+
    {"bad_area", R::Trap},                        // x86 3.x+
    {"page_fault_oops", R::Trap},                 // x86 5.12+
    {"kernelmode_fixup_or_oops", R::Trap},        // x86 5.14+
    {"spurious_kernel_fault", R::Trap},           // x86 4.x+
    {"do_int3", R::Trap},                         // x86
    {"exc_int3", R::Trap},                        // x86 5.8+
    {"asm_exc_int3", R::Trap},                    // x86 5.8+
    {"int3", R::Trap},                            // x86 4.x
    {"do_divide_error", R::Trap},                 // x86 3.x-5.8
    {"divide_error", R::Trap},                    // x86 3.x-4.x
    {"exc_divide_error", R::Trap},                // x86 5.8+
    {"asm_exc_divide_error", R::Trap},            // x86 5.8+
    {"do_double_fault", R::Trap},                 // x86 3.x-5.8
    {"exc_double_fault", R::Trap},                // x86 5.8+
    {"el1_sync", R::Trap},                        // arm64 3.x-5.10
    {"el1_sync_handler", R::Trap},                // arm64 5.9-5.10
    {"el1h_64_sync", R::Trap},                    // arm64 5.11+
    {"el1h_64_sync_handler", R::Trap},            // arm64 5.11+
    {"el1_abort", R::Trap},                       // arm64 5.x+
    {"el1_da", R::Trap},                          // arm64 3.x-4.x
    {"el1_ia", R::Trap},                          // arm64 3.x-4.x
    {"el1_dbg", R::Trap},                         // arm64 4.x+
    {"el1_undef", R::Trap},                       // arm64 4.x+
    {"el1_inv", R::Trap},                         // arm64 4.x
    {"el1_pc", R::Trap},                          // arm64 5.x
    {"do_mem_abort", R::Trap},                    // arm64 3.x+
    {"do_translation_fault", R::Trap},            // arm32, arm64
    {"do_bad_area", R::Trap},                     // arm32, arm64
    {"__do_kernel_fault", R::Trap},               // arm32, arm64
    {"die_kernel_fault", R::Trap},                // arm64 5.x+
    {"do_debug_exception", R::Trap},              // arm64 4.x+
    {"brk_handler", R::Trap},                     // arm64 4.x+
    {"call_break_hook", R::Trap},                 // arm64 5.x
    {"do_undefinstr", R::Trap},                   // arm32, arm64
    {"do_sp_pc_abort", R::Trap},                  // arm64
    {"bad_mode", R::Trap},                        // arm64 3.x-5.x
    {"arm_notify_die", R::Trap},                  // arm32, arm64
    {"__dabt_svc", R::Trap},                      // arm32 (data abort in kernel mode), all kernels
    {"__dabt_usr", R::Trap},                      // arm32
    {"__pabt_svc", R::Trap},                      // arm32
    {"__und_svc", R::Trap},                       // arm32
    {"do_DataAbort", R::Trap},                    // arm32
    {"do_PrefetchAbort", R::Trap},                // arm32
    {"do_alignment", R::Trap},                    // arm32
    {"program_check_exception", R::Trap},         // ppc64 (BUG/WARN trap)
    {"program_check_common", R::Trap},            // ppc64
    {"_exception", R::Trap},                      // ppc64
    {"_exception_pkey", R::Trap},                 // ppc64 4.x+
    {"bad_page_fault", R::Trap},                  // ppc64
    {"__bad_page_fault", R::Trap},                // ppc64 5.x
    {"data_access_common", R::Trap},              // ppc64
    {"handle_exception", R::Trap},                // riscv
    {"do_trap_break", R::Trap},                   // riscv
    // ---- entering the kernel from user space (a syscall, a return to user) ----------------
    {"do_syscall_64", R::Entry},                  // x86-64 4.x+
    {"do_syscall_x64", R::Entry},                 // x86-64 5.15+
    {"do_syscall_32_irqs_on", R::Entry},          // x86 4.x-5.x
    {"do_fast_syscall_32", R::Entry},             // x86 4.x+
    {"do_int80_syscall_32", R::Entry},            // x86 4.x+
    {"entry_SYSCALL_64*", R::Entry},              // x86-64 4.x+ (_after_hwframe, _fastpath)
    {"entry_SYSENTER*", R::Entry},                // x86 4.x+
    {"entry_INT80*", R::Entry},                   // x86 4.x+
    {"entry_SYSCALL_compat*", R::Entry},          // x86-64 compat
    {"system_call_fastpath", R::Entry},           // x86-64 2.6-3.x
    {"system_call", R::Entry},                    // x86 2.6-3.x, ppc64, s390
    {"system_call_common", R::Entry},             // ppc64
    {"system_call_exception", R::Entry},          // ppc64 5.x+
    {"syscall_call", R::Entry},                   // x86-32 2.6-3.x
    {"sysenter_do_call", R::Entry},               // x86-32 2.6-3.x
    {"tracesys", R::Entry},                       // x86-64 3.x
    {"int_signal", R::Entry},                     // x86-64 3.x
    {"ptregs_*", R::Entry},                       // x86-64 3.x
    {"syscall_exit_to_user_mode*", R::Entry},     // 5.9+
    {"irqentry_exit_to_user_mode", R::Entry},     // 5.9+
    {"exit_to_user_mode*", R::Entry},             // 5.x+
    {"__syscall_exit_to_user_mode_work", R::Entry},  // 5.x+
    {"prepare_exit_to_usermode", R::Entry},       // x86 4.x
    {"syscall_return_slowpath", R::Entry},        // x86 4.x
    {"syscall_slow_exit_work", R::Entry},         // x86 4.x
    {"exit_to_usermode_loop", R::Entry},          // x86 4.x
    {"do_notify_resume", R::Entry},               // arm32, arm64, x86 3.x
    {"el0_svc", R::Entry},                        // arm64 all
    {"el0_svc_naked", R::Entry},                  // arm64 3.x-4.x
    {"el0_svc_common", R::Entry},                 // arm64 4.19-5.10
    {"el0_svc_handler", R::Entry},                // arm64 4.19-5.x
    {"el0_svc_compat*", R::Entry},                // arm64 compat
    {"do_el0_svc*", R::Entry},                    // arm64 5.x+
    {"invoke_syscall", R::Entry},                 // arm64 5.13+
    {"el0_sync", R::Entry},                       // arm64 3.x-5.10
    {"el0_sync_handler", R::Entry},               // arm64 5.9-5.10
    {"el0_sync_compat*", R::Entry},               // arm64
    {"el0t_64_sync*", R::Entry},                  // arm64 5.11+
    {"el0t_32_sync*", R::Entry},                  // arm64 5.11+
    {"el0_da", R::Entry},                         // arm64 (user data abort)
    {"el0_ia", R::Entry},                         // arm64
    {"ret_to_user", R::Entry},                    // arm64
    {"work_pending", R::Entry},                   // arm64 3.x-4.x
    {"ret_fast_syscall", R::Entry},               // arm32 all
    {"ret_slow_syscall", R::Entry},               // arm32
    {"__sys_trace_return", R::Entry},             // arm32
    {"__sys_trace", R::Entry},                    // arm32
    {"vector_swi", R::Entry},                     // arm32
    {"__ret_fast_syscall", R::Entry},             // arm32
    {"do_trap_ecall_u", R::Entry},                // riscv 5.x+
    {"ret_from_exception", R::Entry},             // riscv
    {"ret_from_syscall", R::Entry},               // ppc, riscv
    {"__do_syscall", R::Entry},                   // s390 5.x+
    {"sysc_do_svc", R::Entry},                    // s390 3.x-4.x
    {"sysc_noemu", R::Entry},                     // s390
    // Syscall wrappers: the same syscall is __x64_sys_X, __arm64_sys_X, __se_sys_X, SyS_X or
    // sys_X by architecture and release; the function it calls is where its own code starts.
    {"__x64_sys_*", R::Entry},                    // x86-64 4.17+
    {"__ia32_sys_*", R::Entry},                   // x86 4.17+
    {"__ia32_compat_sys_*", R::Entry},            // x86 4.17+
    {"__x32_compat_sys_*", R::Entry},             // x86 4.17+
    {"__arm64_sys_*", R::Entry},                  // arm64 4.19+
    {"__arm64_compat_sys_*", R::Entry},           // arm64 4.19+
    {"__riscv_sys_*", R::Entry},                  // riscv 6.x
    {"__s390x_sys_*", R::Entry},                  // s390 5.x+
    {"__powerpc_sys_*", R::Entry},                // ppc64 6.x
    {"__se_sys_*", R::Entry},                     // 4.17+
    {"__do_sys_*", R::Entry},                     // 4.17+
    {"__se_compat_sys_*", R::Entry},              // 4.17+
    {"__do_compat_sys_*", R::Entry},              // 4.17+
    {"SyS_*", R::Entry},                          // 3.x-4.16
    {"SYSC_*", R::Entry},                         // 3.x-4.16
    {"C_SYSC_*", R::Entry},                       // 3.x-4.16 compat
    {"compat_SyS_*", R::Entry},                   // 3.x-4.16 compat
    {"sys_*", R::Entry},                          // all kernels (arm32, x86-32, 2.6-3.x)
    {"compat_sys_*", R::Entry},                   // all kernels
    {"ksys_*", R::Entry},                         // 4.17+ (bodies shared by syscall wrappers)
    {"__sys_*", R::Entry},                        // 4.17+ net/socket.c syscall bodies
    // ---- interrupts, softirqs and timers ---------------------------------------------------
    {"irq_exit", R::Interrupt},                   // 2.6-5.x
    {"irq_exit_rcu", R::Interrupt},               // 5.9+
    {"__irq_exit_rcu", R::Interrupt},             // 5.9+
    {"__do_softirq", R::Interrupt},               // all kernels
    {"handle_softirqs", R::Interrupt},            // 6.10+
    {"do_softirq", R::Interrupt},                 // all kernels
    {"do_softirq_own_stack", R::Interrupt},       // 4.x+
    {"invoke_softirq", R::Interrupt},             // all kernels
    {"__local_bh_enable_ip", R::Interrupt},       // 4.x+
    {"local_bh_enable", R::Interrupt},            // all kernels
    {"_stext", R::Interrupt},                     // arm64 5.x+ (__do_softirq at the start of .text)
    {"run_ksoftirqd", R::Interrupt},              // all kernels
    {"call_on_stack", R::Interrupt},              // x86 5.x
    {"asm_call_irq_on_stack", R::Interrupt},      // x86 5.8-5.11
    {"asm_call_on_stack", R::Interrupt},          // x86 5.8-5.11
    {"run_on_irqstack_cond", R::Interrupt},       // x86 5.8-5.11
    {"call_with_stack", R::Interrupt},            // arm32 6.x
    {"smp_apic_timer_interrupt", R::Interrupt},   // x86 3.x-5.7
    {"apic_timer_interrupt", R::Interrupt},       // x86 3.x-5.7
    {"local_apic_timer_interrupt", R::Interrupt}, // x86 all
    {"sysvec_apic_timer_interrupt", R::Interrupt},      // x86 5.8+
    {"__sysvec_apic_timer_interrupt", R::Interrupt},    // x86 5.8+
    {"asm_sysvec_apic_timer_interrupt", R::Interrupt},  // x86 5.8+
    {"hrtimer_interrupt", R::Interrupt},          // all kernels
    {"__hrtimer_run_queues", R::Interrupt},       // all kernels
    {"__run_hrtimer", R::Interrupt},              // all kernels
    {"hrtimer_run_queues", R::Interrupt},         // all kernels
    {"tick_sched_timer", R::Interrupt},           // all kernels
    {"tick_sched_handle", R::Interrupt},          // 3.x-6.x
    {"tick_nohz_handler", R::Interrupt},          // 6.x
    {"tick_handle_periodic", R::Interrupt},       // all kernels
    {"update_process_times", R::Interrupt},       // all kernels
    {"scheduler_tick", R::Interrupt},             // all kernels
    {"call_timer_fn", R::Interrupt},              // timer softirq, 3.x+
    {"expire_timers", R::Interrupt},              // 4.8+
    {"__run_timers", R::Interrupt},               // all kernels
    {"__run_timer_base", R::Interrupt},           // 6.x
    {"run_timer_base", R::Interrupt},             // 6.x
    {"run_timer_softirq", R::Interrupt},          // all kernels
    {"rcu_core", R::Interrupt},                   // RCU callbacks, 5.x+
    {"rcu_core_si", R::Interrupt},                // 5.x+
    {"rcu_do_batch", R::Interrupt},               // 3.x+
    {"rcu_process_callbacks", R::Interrupt},      // 3.x-4.x
    {"__rcu_process_callbacks", R::Interrupt},    // 3.x-4.x
    {"net_rx_action", R::Interrupt},              // all kernels
    {"do_IRQ", R::Interrupt},                     // x86 3.x-5.7, ppc64
    {"common_interrupt", R::Interrupt},           // x86 all
    {"asm_common_interrupt", R::Interrupt},       // x86 5.8+
    {"ret_from_intr", R::Interrupt},              // x86 3.x-4.x
    {"handle_irq", R::Interrupt},                 // x86
    {"handle_edge_irq", R::Interrupt},            // all kernels
    {"handle_fasteoi_irq", R::Interrupt},         // all kernels
    {"handle_level_irq", R::Interrupt},           // all kernels
    {"handle_irq_event", R::Interrupt},           // all kernels
    {"handle_irq_event_percpu", R::Interrupt},    // all kernels
    {"__handle_irq_event_percpu", R::Interrupt},  // all kernels
    {"generic_handle_irq", R::Interrupt},         // all kernels
    {"generic_handle_domain_irq", R::Interrupt},  // 5.14+
    {"generic_handle_arch_irq", R::Interrupt},    // 5.x+
    {"__handle_domain_irq", R::Interrupt},        // arm32, arm64 4.x-5.x
    {"handle_domain_irq", R::Interrupt},          // arm32, arm64 4.x-5.x
    {"handle_IRQ", R::Interrupt},                 // arm32 3.x
    {"asm_do_IRQ", R::Interrupt},                 // arm32 3.x
    {"gic_handle_irq", R::Interrupt},             // arm32, arm64
    {"__irq_svc", R::Interrupt},                  // arm32
    {"__irq_usr", R::Interrupt},                  // arm32
    {"el1_irq", R::Interrupt},                    // arm64 3.x-5.10
    {"el0_irq", R::Interrupt},                    // arm64 3.x-5.10
    {"el1_interrupt", R::Interrupt},              // arm64 5.11+
    {"el0_interrupt", R::Interrupt},              // arm64 5.11+
    {"el1h_64_irq*", R::Interrupt},               // arm64 5.11+
    {"el0t_64_irq*", R::Interrupt},               // arm64 5.11+
    {"__el0_irq_handler_common", R::Interrupt},   // arm64 5.11+
    {"__el1_irq", R::Interrupt},                  // arm64 5.11+
    {"call_on_irq_stack", R::Interrupt},          // arm64 5.x+
    {"do_interrupt_handler", R::Interrupt},       // arm64 5.x+
    {"timer_interrupt", R::Interrupt},            // ppc64
    // ---- starting kernel threads and work items -------------------------------------------
    {"kthread", R::Thread},                       // all kernels
    {"ret_from_fork", R::Thread},                 // all kernels
    {"ret_from_fork_asm", R::Thread},             // x86 6.x
    {"ret_from_kernel_thread", R::Thread},        // x86-32, ppc64
    {"kernel_thread_helper", R::Thread},          // x86 2.6
    {"kernel_thread_starter", R::Thread},         // s390
    {"__ret_from_fork", R::Thread},               // s390
    {"worker_thread", R::Thread},                 // all kernels
    {"process_one_work", R::Thread},              // all kernels
    {"process_scheduled_works", R::Thread},       // 6.x
    {"rescuer_thread", R::Thread},                // all kernels
    {"kthread_worker_fn", R::Thread},             // 4.x+
    {"smpboot_thread_fn", R::Thread},             // 3.x+
    {"call_usermodehelper_exec_async", R::Thread},  // 4.x+
    // ---- lock primitives (the caller took the lock) -----------------------------------------
    {"_raw_spin_*", R::Lock},                     // all kernels
    {"_raw_read_*", R::Lock},                     // all kernels
    {"_raw_write_*", R::Lock},                    // all kernels
    {"do_raw_spin_*", R::Lock},                   // all kernels (lock debugging)
    {"do_raw_read_*", R::Lock},                   // all kernels
    {"do_raw_write_*", R::Lock},                  // all kernels
    {"queued_spin_lock_slowpath", R::Lock},       // 4.2+
    {"native_queued_spin_lock_slowpath", R::Lock},  // 4.2+
    {"__pv_queued_spin_lock_slowpath", R::Lock},  // 4.2+
    {"pv_queued_spin_lock_slowpath", R::Lock},    // 4.2+
    {"queued_read_lock_slowpath", R::Lock},       // 4.x+
    {"queued_write_lock_slowpath", R::Lock},      // 4.x+
    {"spin_lock*", R::Lock},                      // inline wrappers when not inlined
    {"spin_unlock*", R::Lock},
    {"mutex_lock*", R::Lock},                     // all kernels (_nested, _interruptible, _killable)
    {"mutex_unlock", R::Lock},                    // all kernels
    {"mutex_trylock", R::Lock},                   // all kernels
    {"__mutex_lock*", R::Lock},                   // all kernels (_common, _slowpath)
    {"__mutex_unlock_slowpath", R::Lock},         // all kernels
    {"down_read*", R::Lock},                      // all kernels
    {"down_write*", R::Lock},                     // all kernels
    {"up_read", R::Lock},                         // all kernels
    {"up_write", R::Lock},                        // all kernels
    {"rwsem_down_*", R::Lock},                    // all kernels (_slowpath 5.x, _failed 3.x-4.x)
    {"call_rwsem_down_*", R::Lock},               // x86 3.x-4.x
    {"__down*", R::Lock},                         // semaphores
    {"down", R::Lock},
    {"down_interruptible", R::Lock},
    {"down_timeout", R::Lock},
    {"percpu_down_*", R::Lock},                   // 4.x+
    {"__percpu_down_*", R::Lock},                 // 4.x+
    {"rt_mutex_slowlock", R::Lock},               // all kernels
    {"__rt_mutex_slowlock*", R::Lock},            // all kernels
    {"rt_mutex_lock*", R::Lock},                  // all kernels
    {"lock_sock_nested", R::Lock},                // all kernels
    {"lock_sock", R::Lock},
    {"release_sock", R::Lock},
    // ---- lockdep ----------------------------------------------------------------------------
    {"lock_acquire", R::Lockdep},                 // 2.6+
    {"__lock_acquire", R::Lockdep},               // 2.6+
    {"lock_acquired", R::Lockdep},
    {"lock_release", R::Lockdep},
    {"__lock_release", R::Lockdep},
    {"lock_contended", R::Lockdep},
    {"lock_is_held_type", R::Lockdep},
    {"__lock_is_held", R::Lockdep},
    {"check_prev_add", R::Lockdep},
    {"check_prevs_add", R::Lockdep},
    {"validate_chain", R::Lockdep},
    {"check_noncircular", R::Lockdep},
    {"check_deadlock", R::Lockdep},
    {"check_irq_usage", R::Lockdep},
    {"check_usage", R::Lockdep},
    {"check_usage_forwards", R::Lockdep},
    {"check_usage_backwards", R::Lockdep},
    {"check_wait_context", R::Lockdep},           // 5.7+
    {"mark_lock", R::Lockdep},
    {"mark_lock_irq", R::Lockdep},
    {"mark_usage", R::Lockdep},
    {"mark_held_locks", R::Lockdep},
    {"register_lock_class", R::Lockdep},
    {"look_up_lock_class", R::Lockdep},
    {"lockdep_init_map*", R::Lockdep},
    {"debug_check_no_locks_freed", R::Lockdep},
    {"lockdep_hardirqs_on*", R::Lockdep},         // 5.x+
    {"lockdep_hardirqs_off", R::Lockdep},
    {"trace_hardirqs_on*", R::Lockdep},           // all kernels (irq tracing)
    {"trace_hardirqs_off*", R::Lockdep},
    {"__bfs", R::Lockdep},
    {"lockdep_assert_*", R::Lockdep},
    {"find_held_lock", R::Lockdep},
    // ---- sanitizer runtimes -----------------------------------------------------------------
    {"kasan_*", R::Sanitizer},                    // KASAN 4.0+ (kasan_report, kasan_check_read, ...)
    {"__kasan_*", R::Sanitizer},                  // KASAN 5.x+
    {"____kasan_*", R::Sanitizer},                // KASAN 5.x+
    {"__asan_*", R::Sanitizer},                   // KASAN 4.0+ (__asan_load8, __asan_report_load8_noabort)
    {"check_memory_region*", R::Sanitizer},       // KASAN 4.x-5.x
    {"__sanitizer_cov_*", R::Sanitizer},          // KCOV 4.6+
    {"write_comp_data", R::Sanitizer},            // KCOV 4.x-5.x
    {"__ubsan_handle_*", R::Sanitizer},           // UBSAN 4.5+
    {"kmsan_*", R::Sanitizer},                    // KMSAN 6.1+
    {"__msan_*", R::Sanitizer},                   // KMSAN 6.1+
    {"kcsan_*", R::Sanitizer},                    // KCSAN 5.8+
    {"__tsan_*", R::Sanitizer},                   // KCSAN 5.8+
    {"kfence_*", R::Sanitizer},                   // KFENCE 5.12+
    {"__kfence_*", R::Sanitizer},                 // KFENCE 5.12+
    // ---- allocators ---------------------------------------------------------------------------
    {"kfree", R::Allocator},                      // all kernels
    {"kvfree", R::Allocator},                     // 3.x+
    {"kzfree", R::Allocator},                     // 4.x-5.x
    {"kfree_sensitive", R::Allocator},            // 5.9+
    {"kmem_cache_*", R::Allocator},               // all kernels (alloc, free, alloc_trace, ...)
    {"__kmem_cache_*", R::Allocator},             // 6.x
    {"kmalloc*", R::Allocator},                   // all kernels
    {"__kmalloc*", R::Allocator},                 // all kernels
    {"kvmalloc*", R::Allocator},                  // 4.12+
    {"__do_kmalloc_node", R::Allocator},          // 6.x
    {"slab_free*", R::Allocator},                 // SLUB
    {"__slab_free", R::Allocator},                // SLUB
    {"do_slab_free", R::Allocator},               // SLUB 4.x+
    {"slab_alloc*", R::Allocator},                // SLUB
    {"__slab_alloc*", R::Allocator},              // SLUB
    {"___slab_alloc", R::Allocator},              // SLUB
    {"new_slab", R::Allocator},                   // SLUB
    {"allocate_slab", R::Allocator},              // SLUB
    {"__cache_free", R::Allocator},               // SLAB
    {"cache_free_debugcheck", R::Allocator},      // SLAB
    {"alloc_pages*", R::Allocator},               // all kernels
    {"__alloc_pages*", R::Allocator},             // all kernels
    {"get_page_from_freelist", R::Allocator},     // all kernels
    {"__free_pages*", R::Allocator},              // all kernels
    {"free_pages", R::Allocator},
    {"vfree", R::Allocator},
    {"__vfree", R::Allocator},
    // ---- the scheduler and waits ------------------------------------------------------------
    {"schedule", R::Sleep},                       // all kernels
    {"__schedule", R::Sleep},                     // all kernels
    {"schedule_timeout*", R::Sleep},              // all kernels
    {"schedule_hrtimeout*", R::Sleep},            // all kernels
    {"schedule_preempt_disabled", R::Sleep},      // 3.x+
    {"preempt_schedule*", R::Sleep},              // all kernels
    {"__switch_to", R::Sleep},                    // all kernels (task dumps)
    {"__switch_to_asm", R::Sleep},                // x86 4.x+
    {"context_switch", R::Sleep},
    {"finish_task_switch*", R::Sleep},
    {"io_schedule", R::Sleep},                    // all kernels
    {"io_schedule_timeout", R::Sleep},            // all kernels
    {"__wait_for_common", R::Sleep},              // 3.x+
    {"wait_for_common", R::Sleep},                // 3.x+
    {"do_wait_for_common", R::Sleep},             // 3.x+
    {"wait_for_completion*", R::Sleep},           // all kernels
    {"__wait_on_bit*", R::Sleep},                 // all kernels
    {"out_of_line_wait_on_bit*", R::Sleep},       // all kernels
    {"bit_wait", R::Sleep},
    {"bit_wait_io", R::Sleep},
    {"wait_on_page_bit*", R::Sleep},              // 4.x-5.x
    {"__lock_page*", R::Sleep},                   // 3.x-5.x
    {"folio_wait_bit*", R::Sleep},                // 5.16+
    {"__folio_lock*", R::Sleep},                  // 5.16+
    {"msleep", R::Sleep},
    {"usleep_range*", R::Sleep},
    {"do_nanosleep", R::Sleep},
    {"hrtimer_nanosleep", R::Sleep},
    {"cv_wait_common", R::Sleep},                 // ZFS's SPL (out-of-tree), all releases
    {"__cv_wait*", R::Sleep},                     // ZFS's SPL
    {"cv_wait*", R::Sleep},                       // ZFS's SPL
    {"__cv_timedwait*", R::Sleep},                // ZFS's SPL
    {"synchronize_rcu*", R::Sleep},               // hung tasks wait for a grace period, all kernels
    {"synchronize_srcu*", R::Sleep},
    {"__synchronize_srcu", R::Sleep},
    {"synchronize_sched*", R::Sleep},             // 3.x-4.x
    {"wait_rcu_gp", R::Sleep},                    // 3.x+
    {"__wait_rcu_gp", R::Sleep},                  // 4.x+
    {"rcu_barrier", R::Sleep},
    {"flush_work", R::Sleep},                     // all kernels
    {"__flush_work", R::Sleep},
    {"flush_workqueue", R::Sleep},
    {"__flush_workqueue", R::Sleep},              // 5.17+
    {"cancel_work_sync", R::Sleep},
    {"__cancel_work_timer", R::Sleep},
    {"__cancel_work_sync", R::Sleep},             // 6.x
    {"cancel_delayed_work_sync", R::Sleep},
    // ---- library helpers --------------------------------------------------------------------
    {"memcpy", R::Library},
    // Checks that warn or BUG on behalf of their caller: the caller passed the bad argument.
    {"__ioremap_caller", R::Library},             // x86, 2.6-6.x (WARNs "ioremap on RAM")
    {"ioremap_cache", R::Library},                // x86, 2.6-5.x
    {"ioremap_nocache", R::Library},              // x86, 2.6-5.5
    {"ioremap", R::Library},                      // all kernels
    {"ioremap_wc", R::Library},
    {"skb_panic", R::Library},                    // 3.x+ ("skbuff: skb_over_panic")
    {"skb_over_panic", R::Library},               // all kernels
    {"skb_under_panic", R::Library},              // all kernels
    {"skb_put", R::Library},                      // 3.x+ (calls skb_over_panic)
    {"skb_push", R::Library},                     // 3.x+ (calls skb_under_panic)
    {"__memcpy", R::Library},
    {"memcpy_erms", R::Library},                  // x86
    {"memcpy_orig", R::Library},                  // x86
    {"memmove", R::Library},
    {"__memmove", R::Library},
    {"memset", R::Library},
    {"__memset", R::Library},
    {"memset_erms", R::Library},
    {"memcmp", R::Library},
    {"strlen", R::Library},
    {"strnlen", R::Library},
    {"strcmp", R::Library},
    {"strncmp", R::Library},
    {"strcpy", R::Library},
    {"strncpy", R::Library},
    {"strscpy", R::Library},
    {"strlcpy", R::Library},
    {"vsnprintf", R::Library},
    {"snprintf", R::Library},
    {"sprintf", R::Library},
    {"scnprintf", R::Library},
    {"vscnprintf", R::Library},
    {"pointer", R::Library},                      // lib/vsprintf.c
    {"va_format", R::Library},                    // lib/vsprintf.c %pV
    {"printk", R::Library},                       // all kernels
    {"_printk", R::Library},                      // 5.15+
    {"vprintk*", R::Library},                     // all kernels (vprintk_emit, vprintk_store, vprintk_default)
    {"dev_vprintk_emit", R::Library},
    {"dev_printk_emit", R::Library},
    {"__dev_printk", R::Library},
    {"_dev_info", R::Library},
    {"_dev_err", R::Library},
    {"_dev_warn", R::Library},
    {"dev_printk", R::Library},
    {"hex_string", R::Library},                   // lib/vsprintf.c
    {"rb_*", R::Library},                         // lib/rbtree.c (rb_erase, rb_next, rb_insert_color)
    {"__rb_*", R::Library},
    {"__list_del_entry*", R::Library},            // list debugging, 4.x+
    {"__list_add*", R::Library},
    {"list_del", R::Library},
    {"_copy_to_user", R::Library},
    {"_copy_from_user", R::Library},
    {"copy_user_generic*", R::Library},           // x86
    {"copy_user_enhanced_fast_string", R::Library},  // x86
    {"__copy_user*", R::Library},
    {"__arch_copy_*", R::Library},                // arm64
    {"raw_copy_*", R::Library},
    {"__get_user_*", R::Library},
    {"__put_user_*", R::Library},
    {"__x86_indirect_thunk_*", R::Library},       // x86 retpolines, 4.15+
    {"__x86_return_thunk", R::Library},           // x86 5.19+
    {"refcount_*", R::Library},                   // 4.11+
    {"kref_put", R::Library},
    // The stack unwinder: KASAN records every allocation's stack, and stalls often catch it there.
    {"save_stack", R::Library},                   // KASAN 4.x
    {"save_stack_trace*", R::Library},            // 3.x-5.x
    {"__save_stack_trace*", R::Library},          // x86 4.x
    {"stack_trace_save*", R::Library},            // 5.2+
    {"unwind_next_frame", R::Library},            // x86 ORC/frame unwinder 4.14+
    {"__unwind_start", R::Library},               // x86 4.14+
    {"unwind_get_return_address", R::Library},    // x86 4.14+
    {"kernel_text_address", R::Library},          // all kernels
    {"__kernel_text_address", R::Library},        // all kernels
    {"is_bpf_text_address", R::Library},          // 4.x+
    {"kref_get", R::Library},
    // ---- debugobjects (ODEBUG reports) ---------------------------------------------------------
    {"debug_print_object", R::DebugObjects},      // 2.6+
    {"debug_check_no_obj_freed", R::DebugObjects},  // 2.6+
    {"__debug_check_no_obj_freed", R::DebugObjects},
    {"debug_object_*", R::DebugObjects},          // 2.6+
};

struct ClassRule {
  std::string_view prefix;
  std::string_view canonical;
};

constexpr ClassRule kClassRules[] = {
    // x86 4.x "general protection fault: 0000 [#1]", 5.x+ "general protection fault, probably for
    // non-canonical address 0x...", 6.x "segment-related general protection fault" and KASAN's
    // "general protection fault for non-canonical address" are one fault.
    {"general protection fault", "general protection fault"},
    {"segment-related general protection fault", "general protection fault"},
    // x86 2.6-4.x "BUG: unable to handle kernel paging request at", 5.x+ "BUG: unable to handle
    // page fault for address", arm32/arm64 "Unable to handle kernel paging request at virtual address".
    {"unable to handle kernel paging request", "unable to handle page fault"},
    {"unable to handle page fault", "unable to handle page fault"},
    // KASAN 4.x "double-free or invalid-free", 5.x+ "double-free" or "invalid-free".
    {"KASAN: double-free", "KASAN: invalid-free"},
    {"KASAN: invalid-free", "KASAN: invalid-free"},
    // 5.x "BUG: stack guard page was hit", 6.x "BUG: TASK stack guard page was hit".
    {"TASK stack guard page was hit", "stack guard page was hit"},
    {"IRQ stack guard page was hit", "stack guard page was hit"},
    // "BUG: Dentry ffff8801c4e4e9c0{i=0,n=lo}  still in use (1) [unmount of ...]", all kernels.
    {"Dentry ", "Dentry still in use"},
    // arm32/arm64 "Internal error: Oops - BUG: 0 [#1]" after "kernel BUG at ...".
    {"Oops - BUG", "kernel BUG"},
    // Lockdep's headers end with '!' or '.' on some releases and not on others.
    {"bad unlock balance detected", "bad unlock balance detected"},
    {"suspicious RCU usage", "suspicious RCU usage"},
    {"possible recursive locking detected", "possible recursive locking detected"},
    {"possible circular locking dependency detected", "possible circular locking dependency detected"},
    {"inconsistent lock state", "inconsistent lock state"},
    {"held lock freed", "held lock freed"},
    {"lock held when returning to user space", "lock held when returning to user space"},
};
// clang-format on

struct Index {
  std::unordered_map<std::string_view, FrameRole> exact;
  std::vector<FrameRule> prefixes;  // longest first
  Index() {
    for (const FrameRule& r : kFrameRules) {
      if (!r.name.empty() && r.name.back() == '*')
        prefixes.push_back({r.name.substr(0, r.name.size() - 1), r.role});
      else
        exact.emplace(r.name, r.role);
    }
    std::sort(prefixes.begin(), prefixes.end(),
              [](const FrameRule& a, const FrameRule& b) { return a.name.size() > b.name.size(); });
  }
};

const Index& index() {
  static const Index idx;
  return idx;
}

}  // namespace

std::string_view frameRoleReason(FrameRole role) {
  switch (role) {
    case FrameRole::Keep:
      return "";
    case FrameRole::Report:
      return "prints the report";
    case FrameRole::Trap:
      return "exception entry";
    case FrameRole::Entry:
      return "syscall entry";
    case FrameRole::Interrupt:
      return "interrupt entry";
    case FrameRole::Thread:
      return "thread start";
    case FrameRole::Lock:
      return "lock primitive";
    case FrameRole::Lockdep:
      return "lockdep";
    case FrameRole::Sanitizer:
      return "sanitizer runtime";
    case FrameRole::Allocator:
      return "allocator";
    case FrameRole::Sleep:
      return "scheduler or wait";
    case FrameRole::Library:
      return "library helper";
    case FrameRole::DebugObjects:
      return "debugobjects check";
  }
  return "";
}

FrameRole frameRole(std::string_view symbol, EventKind kind) {
  (void)kind;  // every rule applies to every kind today; the parameter keeps call sites honest
  const Index& idx = index();
  if (auto it = idx.exact.find(symbol); it != idx.exact.end()) return it->second;
  for (const FrameRule& r : idx.prefixes)
    if (symbol.size() >= r.name.size() && symbol.substr(0, r.name.size()) == r.name) return r.role;
  return FrameRole::Keep;
}

std::string_view canonicalClass(std::string_view cls) {
  for (const ClassRule& r : kClassRules)
    if (cls.substr(0, r.prefix.size()) == r.prefix) return r.canonical;
  return cls;
}

}  // namespace ncxdp
