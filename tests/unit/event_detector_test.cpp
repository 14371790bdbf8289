#include "triage/EventDetector.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "triage_test_util.h"

namespace ncxdp {
namespace {

using testing::EventCollector;
using testing::feedJsonl;
using testing::feedSerial;
using testing::fixtureLines;
using testing::framesOf;
using testing::testSource;

// Feeds decoded records' lines to a detector, as the Triage facade does.
class DetectorFeed : public RecordHandler {
 public:
  explicit DetectorFeed(DetectorConfig config = {}) : detector(config) {}
  void onRecord(const Record& r) override {
    if (r.kind != RecordKind::Message) return;
    LineContext ctx;
    ctx.src = r.src;
    ctx.recvUs = r.recvTsUs;
    ctx.tsUsec = r.tsUsec;
    ctx.caller = r.caller;
    if (r.release) ctx.release = *r.release;
    std::string_view text = r.text;
    while (!text.empty()) {
      const std::size_t nl = text.find('\n');
      if (nl != 0) detector.line(ctx, text.substr(0, nl), events);
      if (nl == std::string_view::npos) break;
      text.remove_prefix(nl + 1);
    }
  }
  void finish() { detector.flush(events); }
  EventDetector detector;
  EventCollector events;
};

// How many lines of a fixture contain `needle`: the truth the detector must find, counted without it.
std::size_t countLines(const std::string& fixture, std::string_view needle) {
  std::size_t n = 0;
  for (const std::string& line : fixtureLines(fixture)) n += line.find(needle) != std::string::npos ? 1 : 0;
  return n;
}

std::vector<const Event*> serialEvents(DetectorFeed& feed, const std::string& fixture) {
  feedSerial(fixture, testSource(1), 1'800'000'000'000'000, feed);
  feed.finish();
  std::vector<const Event*> out;
  for (const Event& e : feed.events.events) out.push_back(&e);
  return out;
}

class MainFixtureTest : public ::testing::TestWithParam<std::string> {};

// The main boot of each kernel: three WARNs (two sites), a hung task, soft lockup(s), an RCU stall,
// four oopses and an OOM kill, each found once, with its block of facts.
TEST_P(MainFixtureTest, FindsEveryReportWithItsFacts) {
  const std::string kernel = GetParam();
  const std::string release = kernel == "deb6.1" ? "6.1.0-56-amd64" : "6.12.117+deb12-amd64";
  const std::string fixture = kernel + "-main.serial.log";
  DetectorFeed feed;
  serialEvents(feed, fixture);
  const EventCollector& c = feed.events;
  EXPECT_EQ(c.ofKind(EventKind::Warning).size(), 3u);
  EXPECT_EQ(c.ofKind(EventKind::HungTask).size(), 1u);
  EXPECT_EQ(c.ofKind(EventKind::SoftLockup).size(), countLines(fixture, "BUG: soft lockup"));
  EXPECT_GE(c.ofKind(EventKind::SoftLockup).size(), 1u);
  EXPECT_EQ(c.ofKind(EventKind::RcuStall).size(), 1u);
  EXPECT_EQ(c.ofKind(EventKind::Oops).size(), 4u);
  EXPECT_EQ(c.ofKind(EventKind::OomKill).size(), 1u);
  EXPECT_EQ(c.ofKind(EventKind::Panic).size(), 0u);
  EXPECT_EQ(c.ofKind(EventKind::Bug).size(), 0u);
  EXPECT_EQ(c.events.size(), 10u + countLines(fixture, "BUG: soft lockup"));

  for (const Event& e : c.events) {
    EXPECT_EQ(e.release, release) << e.reason;
    EXPECT_FALSE(e.panicked) << e.reason;
    EXPECT_FALSE(e.truncated) << e.reason;
    EXPECT_EQ(e.src, testSource(1));
    EXPECT_GE(e.frameCount(), 3u) << e.reason;
  }

  // The oopses, in the order the guest caused them.
  const auto oops = c.ofKind(EventKind::Oops);
  ASSERT_EQ(oops.size(), 4u);
  const char* const cls[] = {"kernel BUG", "kernel NULL pointer dereference", "unable to handle page fault",
                             "general protection fault"};
  const char* const rip[] = {"crashme_bug [ncxdp_crashme]", "crashme_null [ncxdp_crashme]",
                             "crashme_fault [ncxdp_crashme]", "crashme_gpf [ncxdp_crashme]"};
  for (std::size_t i = 0; i < 4; ++i) {
    const Event& e = *oops[i];
    EXPECT_EQ(e.cls, cls[i]);
    EXPECT_EQ(e.rip, rip[i]) << "the trailer's RIP (of the first oops) must not replace this one";
    EXPECT_EQ(e.comm, "sh");
    EXPECT_GT(e.pid, 0);
    EXPECT_EQ(e.cpu, 0);
    EXPECT_NE(e.taint.find('W'), std::string::npos) << "the WARNs tainted the kernel: " << e.taint;
    EXPECT_EQ(e.taint.find('D') != std::string::npos, i > 0)
        << "each oops taints D for the next: " << e.taint;
    EXPECT_EQ(e.modules.rfind("ncxdp_crashme(OE)", 0), 0u) << e.modules;
    const auto frames = framesOf(e);
    ASSERT_FALSE(frames.empty());
    EXPECT_EQ(frames[0], "crashme_write [ncxdp_crashme]");
    EXPECT_TRUE(std::find(frames.begin(), frames.end(), "vfs_write") != frames.end());
    for (const std::string& f : frames) EXPECT_EQ(f.find('+'), std::string::npos) << f;
  }
  EXPECT_EQ(oops[0]->reason.rfind("kernel BUG at ", 0), 0u);

  const auto warns = c.ofKind(EventKind::Warning);
  EXPECT_EQ(warns[0]->rip, "crashme_warn_a [ncxdp_crashme]");
  EXPECT_EQ(warns[1]->rip, "crashme_warn_b [ncxdp_crashme]");
  EXPECT_EQ(warns[1]->message, "ncxdp_crashme: second warning site, n=7")
      << "the WARN() message before the report";
  EXPECT_EQ(warns[2]->rip, "crashme_warn_a [ncxdp_crashme]");
  EXPECT_TRUE(warns[0]->message.empty());

  const Event& hung = *c.ofKind(EventKind::HungTask)[0];
  EXPECT_EQ(hung.comm, "sh");
  EXPECT_TRUE(hung.rip.empty());
  EXPECT_EQ(hung.frame(0), "__schedule") << "the task dump is kept whole; the signature skips the scheduler";

  const Event& soft = *c.ofKind(EventKind::SoftLockup)[0];
  EXPECT_EQ(soft.rip, "delay_tsc");
  EXPECT_EQ(soft.comm, "sh");
  EXPECT_EQ(framesOf(soft)[0], "crashme_spin [ncxdp_crashme]");

  // The RCU stall report dumps the grace-period kthread's stack, then the stalled CPU's.
  const Event& rcu = *c.ofKind(EventKind::RcuStall)[0];
  ASSERT_EQ(rcu.stacks.size(), 2u);
  EXPECT_FALSE(rcu.stacks[0].cpuContext);
  EXPECT_TRUE(rcu.stacks[1].cpuContext);
  EXPECT_EQ(rcu.frame(rcu.stacks[1].begin), "crashme_spin [ncxdp_crashme]");
  EXPECT_EQ(rcu.rip, "delay_tsc");

  const Event& oom = *c.ofKind(EventKind::OomKill)[0];
  EXPECT_EQ(oom.comm, "hog");
  EXPECT_EQ(oom.message, "hog") << "the killed task";
  EXPECT_EQ(oom.cls, "out of memory");
}

// The same boot seen on the serial console and through netconsole (extended format; 6.12 with
// the release prefix) gives the same events.
TEST_P(MainFixtureTest, SerialAndNetconsoleAgree) {
  for (const std::string scenario : {"main", "oops-panic", "panic", "mce"}) {
    const std::string name = GetParam() + "-" + scenario;
    DetectorFeed serial, net;
    serialEvents(serial, name + ".serial.log");
    feedJsonl(name + ".netconsole.jsonl", net);
    net.finish();
    ASSERT_EQ(serial.events.events.size(), net.events.events.size()) << name;
    for (std::size_t i = 0; i < serial.events.events.size(); ++i) {
      const Event& a = serial.events.events[i];
      const Event& b = net.events.events[i];
      EXPECT_EQ(kindName(a.kind), kindName(b.kind)) << name;
      EXPECT_EQ(a.reason, b.reason) << name;
      EXPECT_EQ(a.cls, b.cls) << name;
      EXPECT_EQ(a.rip, b.rip) << name;
      EXPECT_EQ(framesOf(a), framesOf(b)) << name << " " << a.reason;
      EXPECT_EQ(a.release, b.release) << name;
      EXPECT_EQ(a.panicked, b.panicked) << name;
      EXPECT_EQ(a.panicMessage, b.panicMessage) << name;
      EXPECT_EQ(a.tsUsec, b.tsUsec) << name;
    }
  }
}

TEST_P(MainFixtureTest, PanicsBelongToTheirReport) {
  const std::string kernel = GetParam();
  {
    // panic_on_oops: the oops, then "Kernel panic - not syncing: Fatal exception" after its trailer.
    DetectorFeed feed;
    serialEvents(feed, kernel + "-oops-panic.serial.log");
    ASSERT_EQ(feed.events.events.size(), 1u);
    const Event& e = feed.events.events[0];
    EXPECT_EQ(e.kind, EventKind::Oops);
    EXPECT_EQ(e.cls, "kernel NULL pointer dereference");
    EXPECT_TRUE(e.panicked);
    EXPECT_EQ(e.panicMessage, "Fatal exception");
    EXPECT_EQ(e.rip, "crashme_null [ncxdp_crashme]");
  }
  {
    // panic() itself: a panic event whose trace starts in the caller.
    DetectorFeed feed;
    serialEvents(feed, kernel + "-panic.serial.log");
    ASSERT_EQ(feed.events.events.size(), 1u);
    const Event& e = feed.events.events[0];
    EXPECT_EQ(e.kind, EventKind::Panic);
    EXPECT_TRUE(e.panicked);
    EXPECT_EQ(e.panicMessage, "ncxdp_crashme: panic requested by the test");
    EXPECT_TRUE(std::find(framesOf(e).begin(), framesOf(e).end(), "crashme_panic [ncxdp_crashme]") !=
                framesOf(e).end());
  }
  {
    // A fatal machine check: no CPU line, so the release comes from the boot banner.
    DetectorFeed feed;
    serialEvents(feed, kernel + "-mce.serial.log");
    ASSERT_EQ(feed.events.events.size(), 1u);
    const Event& e = feed.events.events[0];
    EXPECT_EQ(e.kind, EventKind::MachineCheck);
    EXPECT_EQ(e.cls, "Machine Check Exception");
    EXPECT_EQ(e.message, "Bank 1");
    EXPECT_TRUE(e.panicked);
    EXPECT_EQ(e.panicMessage, "Fatal local machine check");
    EXPECT_EQ(e.release, kernel == "deb6.1" ? "6.1.0-56-amd64" : "6.12.117+deb12-amd64");
  }
}

INSTANTIATE_TEST_SUITE_P(Debian, MainFixtureTest, ::testing::Values("deb6.1", "deb6.12"),
                         [](const auto& info) { return info.param == "deb6.1" ? "v6_1" : "v6_12"; });

// --- synthetic input: the state machine's edges and its bounds ---------------------------------

struct Lines {
  explicit Lines(DetectorFeed& f) : feed(f) {}
  DetectorFeed& feed;
  Source src = testSource(7);
  std::uint64_t us = 1'000'000;
  std::string caller;
  void operator()(std::string_view text) {
    LineContext ctx;
    ctx.src = src;
    ctx.recvUs = us;
    ctx.caller = caller;
    us += 1000;
    feed.detector.line(ctx, text, feed.events);
  }
};

TEST(EventDetectorTest, InterleavedReportsStayApartByCallerId) {
  DetectorFeed feed;
  Lines a(feed);
  a.caller = "T1";
  Lines b(feed);
  b.caller = "T2";
  a("BUG: kernel NULL pointer dereference, address: 0000000000000000");
  b("kernel BUG at fs/foo.c:12!");
  a("Oops: 0000 [#1] PREEMPT SMP NOPTI");
  b("invalid opcode: 0000 [#2] PREEMPT SMP NOPTI");
  a("RIP: 0010:alpha+0x1/0x2");
  b("RIP: 0010:beta+0x1/0x2");
  a("Call Trace:");
  b("Call Trace:");
  a(" alpha_caller+0x1/0x2");
  b(" beta_caller+0x1/0x2");
  a("---[ end trace 0000000000000000 ]---");
  b("---[ end trace 0000000000000000 ]---");
  feed.finish();
  ASSERT_EQ(feed.events.events.size(), 2u);
  EXPECT_EQ(feed.events.events[0].rip, "alpha");
  EXPECT_EQ(framesOf(feed.events.events[0]), std::vector<std::string>{"alpha_caller"});
  EXPECT_EQ(feed.events.events[1].rip, "beta");
  EXPECT_EQ(feed.events.events[1].cls, "kernel BUG");
  EXPECT_EQ(framesOf(feed.events.events[1]), std::vector<std::string>{"beta_caller"});
}

TEST(EventDetectorTest, ReplayedReportIsCountedOnce) {
  // A netconsole target registered at boot replays the log ring; so does a panic dump. Same
  // kernel time, same line: same report.
  DetectorFeed feed;
  feedSerial("deb6.1-oops-panic.serial.log", testSource(1), 1'000'000'000, feed);
  feedSerial("deb6.1-oops-panic.serial.log", testSource(1), 2'000'000'000, feed);
  feed.finish();
  EXPECT_EQ(feed.events.events.size(), 1u);
  EXPECT_EQ(feed.detector.stats().duplicates, 1u);
  // Another host with the same report is not a duplicate.
  feedSerial("deb6.1-oops-panic.serial.log", testSource(2), 2'000'000'000, feed);
  feed.finish();
  EXPECT_EQ(feed.events.events.size(), 2u);
}

TEST(EventDetectorTest, SilenceEndsAReport) {
  DetectorConfig config;
  config.idleUs = 5'000'000;
  DetectorFeed feed(config);
  Lines say(feed);
  say("INFO: task sh:103 blocked for more than 120 seconds.");
  say("task:sh              state:D stack:0     pid:103   ppid:1      flags:0x00000002");
  say("Call Trace:");
  say(" <TASK>");
  say(" __schedule+0x34d/0xa00");
  say(" nfs_wait+0x1/0x2 [nfs]");
  EXPECT_EQ(feed.detector.openEvents(), 1u);
  feed.detector.expire(say.us + 4'000'000, feed.events);
  EXPECT_EQ(feed.detector.openEvents(), 1u);
  feed.detector.expire(say.us + 6'000'000, feed.events);
  EXPECT_EQ(feed.detector.openEvents(), 0u);
  ASSERT_EQ(feed.events.events.size(), 1u);
  EXPECT_EQ(framesOf(feed.events.events[0]), (std::vector<std::string>{"__schedule", "nfs_wait [nfs]"}));
  // A line after a long silence closes the source's open report before it is looked at.
  say("INFO: task sh:104 blocked for more than 120 seconds.");
  say.us += 10'000'000;
  say("ordinary line");
  EXPECT_EQ(feed.events.events.size(), 2u);
}

TEST(EventDetectorTest, LinesPerEventAreCapped) {
  DetectorConfig config;
  config.event.maxLines = 100;
  config.event.maxFramesPerStack = 8;
  DetectorFeed feed(config);
  Lines say(feed);
  say("WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2");
  say("Call Trace:");
  for (int i = 0; i < 5000; ++i) say(" g" + std::to_string(i) + "+0x1/0x2");
  feed.finish();
  ASSERT_GE(feed.events.events.size(), 1u);
  const Event& e = feed.events.events[0];
  EXPECT_TRUE(e.truncated);
  EXPECT_EQ(e.lines, 100u);
  EXPECT_EQ(e.frameCount(), 8u);
  EXPECT_EQ(feed.detector.stats().truncatedLines, 1u);
}

TEST(EventDetectorTest, OomTaskTableDoesNotCountTowardsTheCap) {
  DetectorConfig config;
  config.event.maxLines = 50;
  DetectorFeed feed(config);
  Lines say(feed);
  say("java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, "
      "oom_score_adj=0");
  say("Tasks state (memory values in pages):");
  for (int i = 0; i < 3000; ++i)
    say("[  " + std::to_string(1000 + i) + "]     0  1000    44963    44764   401408  0  0 java");
  say("Out of memory: Killed process 1000 (java) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB");
  feed.finish();
  ASSERT_EQ(feed.events.events.size(), 1u);
  EXPECT_FALSE(feed.events.events[0].truncated);
  EXPECT_EQ(feed.events.events[0].message, "java");
}

TEST(EventDetectorTest, TextFieldsAreCapped) {
  DetectorFeed feed;
  Lines say(feed);
  const std::string huge(100'000, 'x');
  say("BUG: " + huge);
  say("Modules linked in: " + huge);
  say("CPU: 0 PID: 1 Comm: " + huge + " Tainted: G " + huge);
  say("RIP: 0010:" + huge + "+0x1/0x2");
  say("Call Trace:");
  say(" " + huge + "+0x1/0x2");
  feed.finish();
  ASSERT_EQ(feed.events.events.size(), 1u);
  const Event& e = feed.events.events[0];
  const EventLimits limits;
  EXPECT_LE(e.reason.size(), limits.maxTextBytes);
  EXPECT_LE(e.cls.size(), limits.maxTextBytes);
  EXPECT_LE(e.modules.size(), limits.maxModulesBytes);
  EXPECT_LE(e.comm.size(), limits.maxTextBytes);
  EXPECT_LE(e.taint.size(), limits.maxTextBytes);
  EXPECT_LE(e.rip.size(), limits.maxFrameBytes);
  EXPECT_LE(e.frameText.size(), limits.maxFrameBytes);
}

TEST(EventDetectorTest, OpenReportsPerSourceAreCapped) {
  DetectorConfig config;
  config.maxOpenPerSource = 4;
  DetectorFeed feed(config);
  Lines say(feed);
  for (int i = 0; i < 6; ++i) {
    say.caller = "T" + std::to_string(i);
    say("BUG: kernel NULL pointer dereference, address: 0000000000000000");
    EXPECT_LE(feed.detector.openEvents(), 4u);
  }
  EXPECT_EQ(feed.detector.stats().truncatedOpenCap, 2u);
  feed.finish();
  EXPECT_EQ(feed.events.events.size(), 6u);
  EXPECT_TRUE(feed.events.events[0].truncated);
  EXPECT_TRUE(feed.events.events[1].truncated);
  EXPECT_FALSE(feed.events.events[5].truncated);
}

TEST(EventDetectorTest, OpenReportsInTotalAndSourcesAreCapped) {
  // A storm: 10,000 hosts oops at once, and every report is still open when the next host starts.
  DetectorConfig config;
  config.maxOpenTotal = 100;
  config.maxSources = 1000;
  DetectorFeed feed(config);
  std::uint64_t us = 1'000'000;
  for (std::uint32_t h = 0; h < 10'000; ++h) {
    LineContext ctx;
    ctx.src = testSource(h);
    ctx.recvUs = us++;
    feed.detector.line(ctx, "BUG: kernel NULL pointer dereference, address: 0000000000000000", feed.events);
    feed.detector.line(ctx, "Oops: 0000 [#1] PREEMPT SMP NOPTI", feed.events);
    ASSERT_LE(feed.detector.openEvents(), 100u);
    ASSERT_LE(feed.detector.sourceCount(), 1000u);
  }
  EXPECT_EQ(feed.detector.stats().sourcesEvicted, 9000u);
  EXPECT_EQ(feed.detector.stats().peakOpen, 100u);
  feed.finish();
  // Nothing is lost: every report was closed early (and flagged) rather than dropped.
  EXPECT_EQ(feed.events.events.size(), 10'000u);
  std::set<Source, bool (*)(const Source&, const Source&)> hosts(
      [](const Source& a, const Source& b) { return a.addr < b.addr; });
  for (const Event& e : feed.events.events) hosts.insert(e.src);
  EXPECT_EQ(hosts.size(), 10'000u);
}

TEST(EventDetectorTest, NewBootEndsOldReports) {
  DetectorFeed feed;
  Lines say(feed);
  say("BUG: kernel NULL pointer dereference, address: 0000000000000000");
  say("Kernel panic - not syncing: Fatal exception");
  EXPECT_EQ(feed.detector.openEvents(), 1u);
  say("Linux version 6.12.117+deb12-amd64 (debian-kernel@lists.debian.org) (x86_64-linux-gnu-gcc-12)");
  EXPECT_EQ(feed.detector.openEvents(), 0u);
  ASSERT_EQ(feed.events.events.size(), 1u);
  EXPECT_TRUE(feed.events.events[0].panicked);
  // The banner's release applies to reports without a CPU line.
  say("mce: [Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 1: b200000000000000");
  feed.finish();
  EXPECT_EQ(feed.events.events.back().release, "6.12.117+deb12-amd64");
}

TEST(EventDetectorTest, LonePanicEndMarkerStillCountsThePanic) {
  DetectorFeed feed;
  Lines say(feed);
  say("---[ end Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) ]---");
  feed.finish();
  ASSERT_EQ(feed.events.events.size(), 1u);
  EXPECT_EQ(feed.events.events[0].kind, EventKind::Panic);
  EXPECT_EQ(feed.events.events[0].panicMessage, "VFS: Unable to mount root fs on unknown-block(0,0)");
}

TEST(EventDetectorTest, SurvivesGarbage) {
  DetectorConfig config;
  config.maxSources = 16;
  config.maxOpenTotal = 8;
  DetectorFeed feed(config);
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"BUG: ",
                                           "Oops: 0000 [#1]",
                                           "Call Trace:",
                                           " <TASK>",
                                           " </TASK>",
                                           " f+0x1/0x2",
                                           "---[ end trace",
                                           "Kernel panic - not syncing: x",
                                           "CPU: 0 PID: 1 Comm: x Tainted: G 6.1",
                                           "RIP: 0010:",
                                           "\xff\xfe",
                                           "[",
                                           "]",
                                           " ",
                                           "mce: CPU 1: Machine Check",
                                           "INFO: task a:1 blocked for more than "};
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    const int parts = int(rng() % 4);
    for (int p = 0; p < parts; ++p) line += pieces[rng() % pieces.size()];
    LineContext ctx;
    ctx.src = testSource(rng() % 32);
    ctx.recvUs = std::uint64_t(i) * 1000;
    ctx.caller = rng() % 2 ? "T1" : "";
    feed.detector.line(ctx, line, feed.events);
    ASSERT_LE(feed.detector.openEvents(), 8u);
  }
  feed.finish();
  EXPECT_EQ(feed.detector.openEvents(), 0u);
}

}  // namespace
}  // namespace ncxdp
