#include "triage/Clusterer.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "triage/Triage.h"
#include "triage_test_util.h"

namespace ncxdp {
namespace {

using testing::feedJsonl;
using testing::feedSerial;
using testing::testSource;

constexpr std::uint64_t kT0 = 1'800'000'000'000'000;  // 2027-01-15, an arbitrary storm start

const ClusterReport* findCluster(const TriageReport& r, std::string_view reasonPrefix) {
  for (const ClusterReport& c : r.clusters)
    if (c.reason.rfind(reasonPrefix, 0) == 0) return &c;
  return nullptr;
}

// 40 hosts boot the main scenario, half on 6.1 and half on 6.12 (serial console and netconsole
// inputs mixed); 10 more hit the NULL dereference with panic_on_oops. The same ten bugs group
// across hosts and releases, the panic hosts join the NULL dereference cluster and lead it.
TEST(ClustererTest, GroupsAcrossHostsAndReleases) {
  Triage triage;
  for (std::uint32_t h = 0; h < 40; ++h) {
    const std::string kernel = h % 2 == 0 ? "deb6.1" : "deb6.12";
    // Hosts start a second apart, so the timeline has one host per second.
    if (h % 4 < 2)
      feedSerial(kernel + "-main.serial.log", testSource(h), kT0 + h * 1'000'000ull, triage);
    else
      feedJsonl(kernel + "-main.netconsole.jsonl", triage, testSource(h), kT0 + h * 1'000'000ull);
  }
  for (std::uint32_t h = 40; h < 50; ++h)
    feedSerial((h % 2 ? "deb6.12" : "deb6.1") + std::string("-oops-panic.serial.log"), testSource(h),
               kT0 + h * 1'000'000ull, triage);
  triage.finish();
  const TriageReport r = triage.report();

  EXPECT_EQ(r.hostsSeen, 50u);
  EXPECT_EQ(r.hostsAffected, 50u);
  EXPECT_EQ(r.hostsPanicked, 10u);
  EXPECT_EQ(r.clusterCount, 10u);
  ASSERT_EQ(r.clusters.size(), 10u);
  // Each of the 40 main hosts printed three WARNs, one hung task, one RCU stall, four oopses, one
  // OOM kill and (6.1: two, 6.12: one) soft lockup reports; each panic host one oops.
  EXPECT_EQ(r.eventsByKind[size_t(EventKind::Warning)], 120u);
  EXPECT_EQ(r.eventsByKind[size_t(EventKind::HungTask)], 40u);
  EXPECT_EQ(r.eventsByKind[size_t(EventKind::RcuStall)], 40u);
  EXPECT_EQ(r.eventsByKind[size_t(EventKind::Oops)], 170u);
  EXPECT_EQ(r.eventsByKind[size_t(EventKind::OomKill)], 40u);
  EXPECT_EQ(r.eventsByKind[size_t(EventKind::SoftLockup)], 60u);
  EXPECT_EQ(r.hostsByKind[size_t(EventKind::Oops)], 50u);
  EXPECT_EQ(r.hostsByKind[size_t(EventKind::Warning)], 40u);

  // Ranked by hosts: the NULL dereference (50 hosts, 10 panicked) first.
  const ClusterReport& top = r.clusters[0];
  EXPECT_EQ(top.kind, EventKind::Oops);
  EXPECT_EQ(top.cls, "kernel NULL pointer dereference");
  EXPECT_EQ(top.hosts, 50u);
  EXPECT_EQ(top.hostsPanicked, 10u);
  EXPECT_EQ(top.events, 50u);
  EXPECT_EQ(top.panicMessage, "Fatal exception");
  ASSERT_EQ(top.releases.size(), 2u);
  EXPECT_EQ(top.releases[0].events + top.releases[1].events, 50u);
  EXPECT_EQ(top.exampleHosts.size(), 5u);
  EXPECT_EQ(std::set<std::string>(top.exampleHosts.begin(), top.exampleHosts.end()).size(), 5u);
  EXPECT_EQ(top.frames.front(), "crashme_null [ncxdp_crashme]");
  // Then every other cluster has the 40 main hosts; among them more events rank first:
  // crashme_warn_a fired twice per host (80), the soft lockups 60, the rest once per host.
  for (std::size_t i = 1; i < r.clusters.size(); ++i) {
    EXPECT_EQ(r.clusters[i].hosts, 40u) << r.clusters[i].reason;
    EXPECT_EQ(r.clusters[i].hostsPanicked, 0u);
    if (i > 1) EXPECT_LE(r.clusters[i].events, r.clusters[i - 1].events) << r.clusters[i].reason;
    EXPECT_EQ(r.clusters[i].releases.size(), 2u) << r.clusters[i].reason;
  }
  EXPECT_EQ(r.clusters[1].kind, EventKind::Warning);
  EXPECT_EQ(r.clusters[1].events, 80u);
  EXPECT_EQ(r.clusters[1].frames.front(), "crashme_warn_a [ncxdp_crashme]");
  EXPECT_EQ(r.clusters[2].kind, EventKind::SoftLockup);
  EXPECT_EQ(r.clusters[2].events, 60u);
  for (std::size_t i = 3; i < r.clusters.size(); ++i) EXPECT_EQ(r.clusters[i].events, 40u);

  // Timeline: every host once, at its first event, in time order.
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < r.timeline.size(); ++i) {
    sum += r.timeline[i].hosts;
    EXPECT_EQ(r.timeline[i].cumulative, sum);
    if (i > 0) EXPECT_GT(r.timeline[i].second, r.timeline[i - 1].second);
  }
  EXPECT_EQ(sum, 50u);
  const ClusterReport* hung = findCluster(r, "INFO: task sh:");
  ASSERT_NE(hung, nullptr);
  EXPECT_EQ(hung->message, "sh");
  EXPECT_LT(r.firstEventUs, r.lastEventUs);
}

Event makeEvent(std::uint32_t host, std::string fn, std::uint64_t us) {
  Event e;
  e.kind = EventKind::Oops;
  e.src = testSource(host);
  e.firstUs = e.lastUs = us;
  e.cls = "kernel BUG";
  e.reason = "kernel BUG at x.c:1!";
  e.rip = fn;
  e.release = "6.1.0-" + std::to_string(host % 20);
  return e;
}

// Notes are built for the first event and the first of each other release only, and at most
// ClusterReport::kExplainedEvents of them: a storm of one bug does not build them per host.
TEST(ClustererTest, ExplainsTheFirstEventOfEachReleaseUpToTheCap) {
  Clusterer c;
  for (std::uint32_t h = 0; h < 200; ++h) c.onEvent(makeEvent(h, "same_fn", kT0 + h));
  const TriageReport r = c.report();
  ASSERT_EQ(r.clusters.size(), 1u);
  const auto& ex = r.clusters[0].explained;
  ASSERT_EQ(ex.size(), ClusterReport::kExplainedEvents);
  EXPECT_EQ(ex[0].host, testSource(0).toString());
  EXPECT_EQ(ex[0].release, "6.1.0-0");
  EXPECT_EQ(ex[1].release, "6.1.0-1");
  EXPECT_EQ(ex[2].release, "6.1.0-2");
  ASSERT_EQ(ex[0].notes.size(), 1u);
  EXPECT_EQ(ex[0].notes[0].frame, "same_fn");
  EXPECT_TRUE(ex[0].notes[0].why.empty());
}

TEST(ClustererTest, BoundsHoldAndOverflowIsCounted) {
  ClusterConfig config;
  config.maxClusters = 3;
  config.maxHosts = 100;
  config.exampleHosts = 2;
  config.releasesPerCluster = 4;
  Clusterer c(config);
  for (std::uint32_t h = 0; h < 200; ++h) c.onEvent(makeEvent(h, "f" + std::to_string(h % 5), kT0 + h));
  EXPECT_EQ(c.clusterCount(), 3u);
  EXPECT_EQ(c.events(), 200u);
  EXPECT_EQ(c.unclustered(), 80u);  // f3 and f4
  EXPECT_EQ(c.hostsSeen(), 100u);
  EXPECT_EQ(c.hostsUntracked(), 100u);
  const TriageReport r = c.report();
  EXPECT_EQ(r.hostsSeen, 200u);
  EXPECT_EQ(r.hostsAffected, 100u);
  for (const ClusterReport& cl : r.clusters) {
    EXPECT_EQ(cl.events, 40u);
    EXPECT_EQ(cl.hosts, 20u);
    EXPECT_EQ(cl.exampleHosts.size(), 2u);
    EXPECT_EQ(cl.releases.size(), 4u);
    std::uint64_t listed = cl.otherReleaseEvents;
    for (const ReleaseCount& rel : cl.releases) listed += rel.events;
    EXPECT_EQ(listed, 40u);
  }
  EXPECT_EQ(c.report(2).clusters.size(), 2u);
  EXPECT_EQ(c.report(2).clusterCount, 3u);
}

TEST(ClustererTest, TimelineFollowsTheEarliestEventWhateverTheOrder) {
  Clusterer c;
  c.onEvent(makeEvent(1, "f", kT0 + 5'000'000));
  c.onEvent(makeEvent(2, "f", kT0 + 5'000'000));
  c.onEvent(makeEvent(1, "f", kT0 + 1'000'000));  // read later, happened earlier
  const TriageReport r = c.report();
  ASSERT_EQ(r.timeline.size(), 2u);
  EXPECT_EQ(r.timeline[0].second, (kT0 + 1'000'000) / 1'000'000);
  EXPECT_EQ(r.timeline[0].hosts, 1u);
  EXPECT_EQ(r.timeline[1].hosts, 1u);
  EXPECT_EQ(r.timeline[1].cumulative, 2u);
  EXPECT_EQ(r.clusters[0].firstUs, kT0 + 1'000'000);
  EXPECT_EQ(r.clusters[0].lastUs, kT0 + 5'000'000);
  // Example hosts are the earliest to report the bug, whatever order their events came in.
  EXPECT_EQ(r.clusters[0].exampleHosts, (std::vector<std::string>{"10.0.0.1:6665", "10.0.0.2:6665"}));
  ClusterConfig small;
  small.exampleHosts = 2;
  Clusterer d(small);
  for (std::uint32_t h : {5u, 4u, 3u, 2u, 1u}) d.onEvent(makeEvent(h, "f", kT0 + h * 1'000'000));
  d.onEvent(makeEvent(5, "f", kT0));  // host 5 again, earlier than anyone
  EXPECT_EQ(d.report().clusters[0].exampleHosts,
            (std::vector<std::string>{"10.0.0.5:6665", "10.0.0.1:6665"}));
}

}  // namespace
}  // namespace ncxdp
