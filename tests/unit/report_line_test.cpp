#include "triage/ReportLine.h"

#include <gtest/gtest.h>

#include <string>

namespace ncxdp {
namespace {

struct Case {
  const char* line;
  LineType type;
  EventKind kind = EventKind::Oops;  // checked for triggers
  const char* text = nullptr;        // checked when set
  const char* comm = nullptr;        // checked when set
};

// Lines as Debian's 6.1 and 6.12 kernels printed them (tests/triage/fixtures), and formats of
// reports the fixtures cannot produce, written from the kernel's format strings.
const Case kCases[] = {
    {"WARNING: CPU: 0 PID: 97 at /tmp/x/ncxdp_crashme.c:43 crashme_warn_a+0xe/0x15 [ncxdp_crashme]",
     LineType::Trigger, EventKind::Warning, ""},
    {"WARNING: possible circular locking dependency detected", LineType::Trigger, EventKind::Warning,
     "possible circular locking dependency detected"},
    {"kernel BUG at /tmp/x/ncxdp_crashme.c:53!", LineType::Trigger, EventKind::Oops, "kernel BUG"},
    {"BUG: kernel NULL pointer dereference, address: 0000000000000000", LineType::Trigger, EventKind::Oops,
     "kernel NULL pointer dereference"},
    {"BUG: unable to handle kernel NULL pointer dereference at 0000000000000008", LineType::Trigger,
     EventKind::Oops, "kernel NULL pointer dereference"},
    {"BUG: unable to handle page fault for address: ffffd12b00075000", LineType::Trigger, EventKind::Oops,
     "unable to handle page fault"},
    {"BUG: unable to handle kernel paging request at ffffffffc0a01000", LineType::Trigger, EventKind::Oops,
     "unable to handle kernel paging request"},
    {"watchdog: BUG: soft lockup - CPU#0 stuck for 3s! [sh:111]", LineType::Trigger, EventKind::SoftLockup,
     "soft lockup", "sh"},
    {"BUG: soft lockup - CPU#3 stuck for 23s! [kworker/3:1:4242]", LineType::Trigger, EventKind::SoftLockup,
     "soft lockup", "kworker/3:1"},
    {"watchdog: Watchdog detected hard LOCKUP on cpu 1", LineType::Trigger, EventKind::HardLockup,
     "hard LOCKUP"},
    {"NMI watchdog: Watchdog detected hard LOCKUP on cpu 3", LineType::Trigger, EventKind::HardLockup},
    {"INFO: task sh:103 blocked for more than 2 seconds.", LineType::Trigger, EventKind::HungTask, nullptr,
     "sh"},
    {"INFO: task kworker/u8:2:77 blocked for more than 122 seconds.", LineType::Trigger, EventKind::HungTask,
     nullptr, "kworker/u8:2"},
    {"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", LineType::Trigger, EventKind::RcuStall,
     "rcu_preempt detected stalls on CPUs/tasks"},
    {"rcu: INFO: rcu_sched self-detected stall on CPU", LineType::Trigger, EventKind::RcuStall,
     "rcu_sched self-detected stall on CPU"},
    {"INFO: rcu_sched detected stalls on CPUs/tasks:", LineType::Trigger, EventKind::RcuStall},
    {"hog invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, "
     "oom_score_adj=1000",
     LineType::Trigger, EventKind::OomKill, nullptr, "hog"},
    {"Out of memory: Killed process 117 (hog) total-vm:179852kB, anon-rss:178404kB, file-rss:4kB",
     LineType::OomKilled, EventKind::Oops, "global", "hog"},
    {"Memory cgroup out of memory: Killed process 4242 (java) total-vm:1kB", LineType::OomKilled,
     EventKind::Oops, "memcg", "java"},
    {"oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task=hog",
     LineType::OomConstraint, EventKind::Oops, "CONSTRAINT_NONE"},
    {"mce: [Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 1: b200000000000000", LineType::Trigger,
     EventKind::MachineCheck, "Machine Check Exception", "Bank 1"},
    {"mce: [Hardware Error]: CPU 2: Machine Check: 0 Bank 4: 9c00000001000108", LineType::Trigger,
     EventKind::MachineCheck, "Machine Check", "Bank 4"},
    {"mce: [Hardware Error]: Machine check events logged", LineType::Trigger, EventKind::MachineCheck},
    {"mce: [Hardware Error]: TSC 4b74377a5 ", LineType::Detail},
    {"BUG: scheduling while atomic: sh/103/0x00000002", LineType::Trigger, EventKind::Bug,
     "scheduling while atomic"},
    {"BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580", LineType::Trigger,
     EventKind::Bug, "sleeping function called from invalid context"},
    {"BUG: KASAN: slab-use-after-free in foo_bar+0x12/0x30 [foo]", LineType::Trigger, EventKind::Bug,
     "KASAN: slab-use-after-free"},
    {"BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 35s!", LineType::Trigger,
     EventKind::Bug, "workqueue lockup"},
    {"Oops: 0000 [#2] PREEMPT SMP NOPTI", LineType::DieLine, EventKind::Oops, "Oops"},
    {"Oops: Oops: 0000 [#2] PREEMPT SMP NOPTI", LineType::DieLine, EventKind::Oops, "Oops"},
    {"invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", LineType::DieLine, EventKind::Oops, "invalid opcode"},
    {"Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", LineType::DieLine, EventKind::Oops,
     "invalid opcode"},
    {"general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#4] PREEMPT SMP "
     "NOPTI",
     LineType::DieLine, EventKind::Oops, "general protection fault"},
    {"Oops: general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#4] SMP",
     LineType::DieLine, EventKind::Oops, "general protection fault"},
    {"Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP", LineType::DieLine, EventKind::Oops, "Oops"},
    {"divide error: 0000 [#1] SMP PTI", LineType::DieLine, EventKind::Oops, "divide error"},
    {"Kernel panic - not syncing: Fatal exception", LineType::PanicLine, EventKind::Oops, "Fatal exception"},
    {"---[ end Kernel panic - not syncing: Fatal exception ]---", LineType::EndPanic, EventKind::Oops,
     "Fatal exception"},
    {"---[ end trace 0000000000000000 ]---", LineType::EndTrace},
    {"------------[ cut here ]------------", LineType::CutHere},
    {"CPU: 0 PID: 97 Comm: sh Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2",
     LineType::CpuHeader, EventKind::Oops, nullptr, "sh"},
    {"      Tainted: G        W  OE      6.1.0-56-amd64 #1 Debian 6.1.192-2", LineType::TaintLine},
    {"Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE", LineType::TaintLine},
    {"task:sh              state:D stack:0     pid:103   ppid:1      flags:0x00000002", LineType::TaskHeader,
     EventKind::Oops, nullptr, "sh"},
    {"RIP: 0010:crashme_bug+0xe/0x15 [ncxdp_crashme]", LineType::Rip},
    {"RIP: 0033:0x47b7a0", LineType::Detail},
    {"pc : do_undefinstr+0x2c8/0x2e0", LineType::Rip},
    {"Call Trace:", LineType::CallTrace},
    {"Call trace:", LineType::CallTrace},
    {" <TASK>", LineType::StackOpen},
    {" </TASK>", LineType::StackClose},
    {" <IRQ>", LineType::StackOpen},
    {" </IRQ>", LineType::StackClose},
    {" crashme_write.cold+0x2b/0x130 [ncxdp_crashme]", LineType::Frame},
    {" ? exit_to_user_mode_prepare+0x44/0x240", LineType::Frame},
    {"Modules linked in: ncxdp_crashme(OE) netconsole configfs", LineType::Modules, EventKind::Oops,
     "ncxdp_crashme(OE) netconsole configfs"},
    {"Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) "
     "12.2.0)",
     LineType::KernelVersion, EventKind::Oops, "6.1.0-56-amd64"},
    {"RSP: 0018:ffffd12b00637db8 EFLAGS: 00000246", LineType::Detail},
    {"R10: 0000000000000003 R11: ffffffffa1ad4448 R12: 000000001eb388f0", LineType::Detail},
    {"FS:  000000001eb363c0(0000) GS:ffff8e378f800000(0000) knlGS:0000000000000000", LineType::Detail},
    {"Code: 00 00 00 00 ad de 48 89 04 24 <0f> 0b c3 cc", LineType::Detail},
    {"Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
     LineType::Detail},
    {"#PF: supervisor read access in kernel mode", LineType::Detail},
    {"rcu: \t(t=2100 jiffies g=-527 q=3 ncpus=1)", LineType::Detail},
    {"\t(detected by 0, t=752 jiffies, g=-527, q=3 ncpus=1)", LineType::Detail},
    {"Kernel Offset: 0x19000000 from 0xffffffff81000000 (relocation range: "
     "0xffffffff80000000-0xffffffffbfffffff)",
     LineType::Detail},
    // Ordinary log lines stay ordinary, even when they mention the words.
    {"ncxdp_crashme: action warn_a", LineType::Other},
    {"e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex", LineType::Other},
    {"NMI watchdog: Perf NMI watchdog permanently disabled", LineType::Other},
    {"INFO: lockdep is turned off.", LineType::Other},
    {"Killed", LineType::Other},
    {"", LineType::Other},
    {"   ", LineType::Other},
};

TEST(ReportLineTest, ClassifiesEveryKnownLine) {
  for (const Case& c : kCases) {
    const ReportLine rl = ReportLine::classify(c.line);
    EXPECT_EQ(int(rl.type), int(c.type)) << "'" << c.line << "'";
    if (c.type == LineType::Trigger) EXPECT_EQ(kindName(rl.kind), kindName(c.kind)) << c.line;
    if (c.text != nullptr) EXPECT_EQ(rl.text, c.text) << c.line;
    if (c.comm != nullptr) EXPECT_EQ(rl.comm, c.comm) << c.line;
  }
}

TEST(ReportLineTest, ParsesCpuHeaderOfBothReleases) {
  ReportLine rl = ReportLine::classify(
      "CPU: 0 PID: 97 Comm: sh Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2");
  EXPECT_EQ(rl.cpu, 0);
  EXPECT_EQ(rl.pid, 97);
  EXPECT_EQ(rl.comm, "sh");
  EXPECT_EQ(rl.taint, "G           OE");
  EXPECT_EQ(rl.release, "6.1.0-56-amd64");

  rl = ReportLine::classify(
      "CPU: 3 UID: 0 PID: 139 Comm: kworker/3:1 Tainted: G      D W  OEL     6.12.117+deb12-amd64 #1  Debian "
      "6.12.117-1~deb12u1");
  EXPECT_EQ(rl.cpu, 3);
  EXPECT_EQ(rl.pid, 139);
  EXPECT_EQ(rl.comm, "kworker/3:1");
  EXPECT_EQ(rl.taint, "G      D W  OEL");
  EXPECT_EQ(rl.release, "6.12.117+deb12-amd64");

  rl = ReportLine::classify("CPU: 1 PID: 1 Comm: swapper/0 Not tainted 6.1.0-56-amd64 #1 Debian 6.1.192-2");
  EXPECT_EQ(rl.comm, "swapper/0");
  EXPECT_EQ(rl.taint, "");
  EXPECT_EQ(rl.release, "6.1.0-56-amd64");
}

TEST(ReportLineTest, WarningSiteAndRipAreFrames) {
  ReportLine rl = ReportLine::classify(
      "WARNING: CPU: 0 PID: 139 at /tmp/x/ncxdp_crashme.c:43 crashme_warn_a+0x14/0x20 [ncxdp_crashme]");
  ASSERT_TRUE(rl.hasFrame);
  EXPECT_EQ(rl.frame.symbol, "crashme_warn_a");
  EXPECT_EQ(rl.frame.module, "ncxdp_crashme");
  rl = ReportLine::classify("RIP: 0010:delay_tsc+0x33/0xa0");
  ASSERT_TRUE(rl.hasFrame);
  EXPECT_EQ(rl.frame.symbol, "delay_tsc");
  EXPECT_EQ(rl.frame.module, "");
}

}  // namespace
}  // namespace ncxdp
