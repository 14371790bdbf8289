#include "triage/Signature.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "triage/EventDetector.h"
#include "triage/Triage.h"
#include "triage_test_util.h"

namespace ncxdp {
namespace {

using testing::EventCollector;
using testing::feedSerial;
using testing::testSource;

std::string keyOf(const Event& e, std::size_t frames = Signature::kDefaultFrames) {
  std::string key;
  std::vector<std::string_view> used;
  Signature::build(e, frames, key, used);
  return key;
}

// Every event of a fixture, in order, through the same path as `ncxdp triage`.
std::vector<Event> eventsOf(const std::string& fixture, std::uint32_t host = 1) {
  struct Feed : RecordHandler {
    EventDetector detector;
    EventCollector events;
    void onRecord(const Record& r) override {
      LineContext ctx;
      ctx.src = r.src;
      ctx.recvUs = r.recvTsUs;
      ctx.tsUsec = r.tsUsec;
      detector.line(ctx, r.text, events);
    }
  } feed;
  feedSerial(fixture, testSource(host), 1'000'000'000, feed);
  feed.detector.flush(feed.events);
  return feed.events.events;
}

TEST(SignatureTest, MaskNumbers) {
  auto mask = [](std::string_view in) {
    std::string out;
    Signature::maskNumbers(in, out);
    return out;
  };
  EXPECT_EQ(mask("VFS: Unable to mount root fs on unknown-block(0,0)"),
            "VFS: Unable to mount root fs on unknown-block(#,#)");
  EXPECT_EQ(mask("Attempted to kill init! exitcode=0x0000000b"), "Attempted to kill init! exitcode=#");
  EXPECT_EQ(mask("kworker/3:1"), "kworker/#:#");
  EXPECT_EQ(mask("Bank 12"), "Bank #");
  EXPECT_EQ(mask("no digits"), "no digits");
}

// The same bug printed by Debian's 6.1 and 6.12 kernels has the same signature: offsets, clone
// suffixes (crashme_write.cold on 6.1), unreliable frames and header formats differ.
TEST(SignatureTest, SameBugSameSignatureAcrossReleases) {
  for (const std::string scenario : {"main", "oops-panic", "panic", "mce"}) {
    std::vector<Event> a = eventsOf("deb6.1-" + scenario + ".serial.log");
    std::vector<Event> b = eventsOf("deb6.12-" + scenario + ".serial.log");
    // 6.1 reported its (longer) soft lockup twice: compare the distinct signatures in order.
    auto distinct = [](const std::vector<Event>& events) {
      std::vector<std::string> keys;
      for (const Event& e : events)
        if (std::find(keys.begin(), keys.end(), keyOf(e)) == keys.end()) keys.push_back(keyOf(e));
      return keys;
    };
    EXPECT_EQ(distinct(a), distinct(b)) << scenario;
    EXPECT_FALSE(distinct(a).empty());
  }
}

// Different bugs have different signatures: the main boot's ten reports are ten bugs (two WARN_ON
// hits of one site are one), and so are the panics.
TEST(SignatureTest, DifferentBugsDiffer) {
  for (const std::string kernel : {"deb6.1", "deb6.12"}) {
    std::map<std::string, std::string> byKey;  // key -> first reason
    for (const std::string scenario : {"main", "oops-panic", "panic", "mce"})
      for (const Event& e : eventsOf(kernel + "-" + scenario + ".serial.log"))
        byKey.emplace(keyOf(e), e.reason);
    // main: warn_a, warn_b, hung task, soft lockup, RCU stall, BUG, NULL, page fault, GPF, OOM;
    // oops-panic repeats main's NULL dereference; panic(); the machine check.
    EXPECT_EQ(byKey.size(), 12u) << kernel;
  }
}

TEST(SignatureTest, KeysSayWhatTheyGroup) {
  const std::vector<Event> events = eventsOf("deb6.12-main.serial.log");
  std::set<std::string> keys;
  for (const Event& e : events) keys.insert(keyOf(e));
  EXPECT_TRUE(
      keys.count("oops|kernel NULL pointer dereference|crashme_null [ncxdp_crashme]|crashme_write "
                 "[ncxdp_crashme]|proc_reg_write"));
  EXPECT_TRUE(keys.count("warning||crashme_warn_a [ncxdp_crashme]"));  // the WARN's site and function name it
  // A hung task is keyed by where it sleeps, not by the scheduler functions every hung task shows.
  EXPECT_TRUE(keys.count("hung_task||crashme_write [ncxdp_crashme]|proc_reg_write|vfs_write"));
  // OOM kills are keyed by what was killed; the trace is wherever the allocation happened.
  EXPECT_TRUE(keys.count("oom_kill|out of memory|hog"));
  for (const std::string& k : keys) {
    EXPECT_EQ(k.find("0x"), std::string::npos) << k;
    EXPECT_EQ(k.find(".cold"), std::string::npos) << k;
  }
}

TEST(SignatureTest, SkipsReportingMachineryAndHonoursTheFrameCount) {
  Event e;
  e.kind = EventKind::Panic;
  e.panicMessage = "Attempted to kill init! exitcode=0x00000009";
  for (std::string_view f : {"dump_stack_lvl", "panic", "do_exit", "do_exit", "do_group_exit",
                             "__x64_sys_exit_group", "do_syscall_64"})
    e.addFrame(f);
  e.stacks.push_back({.cpuContext = true, .begin = 0, .end = 7});
  std::string key;
  std::vector<std::string_view> used;
  Signature::build(e, 3, key, used);
  // __x64_sys_exit_group is the syscall entry: it and everything below it are skipped.
  EXPECT_EQ(key, "panic|Attempted to kill init! exitcode=#|do_exit|do_group_exit");
  EXPECT_EQ(used.size(), 2u);
  // A soft lockup's class and a hung task's say nothing more than their kind.
  e.kind = EventKind::SoftLockup;
  e.cls = "soft lockup";
  e.rip = "native_queued_spin_lock_slowpath";
  Signature::build(e, 2, key, used);
  // native_queued_spin_lock_slowpath is a lock primitive (its caller took the lock).
  EXPECT_EQ(key, "soft_lockup||do_exit|do_group_exit");
}

TEST(SignatureTest, IdIsStableHex) {
  const std::uint64_t h = Signature::hash("oops|x|f");
  EXPECT_EQ(Signature::id(h).size(), 12u);
  EXPECT_EQ(Signature::id(h), Signature::id(Signature::hash("oops|x|f")));
  EXPECT_NE(Signature::id(h), Signature::id(Signature::hash("oops|x|g")));
  EXPECT_EQ(Signature::id(0x0123456789abcdefull), "0123456789ab");
}

}  // namespace
}  // namespace ncxdp
