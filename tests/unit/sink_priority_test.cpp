// SinkPriority on an ordinary (SCHED_OTHER) thread: steps down kNiceStep nice levels, back up when
// the rings fill past half, down again below an eighth, with hysteresis in between. Runs on its
// own thread so the test process keeps its priority.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "pipeline/SinkPriority.h"
#include "support/RequireRoot.h"

namespace ncxdp {
namespace {

int threadNice() {
  return getpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)));
}

TEST(SinkPriority, FollowsRingFillWithHysteresis) {
  REQUIRE_ROOT("raising a thread's priority back");
  std::vector<int> seen;
  std::vector<bool> raised;
  std::thread t([&] {
    seen.push_back(threadNice());
    SinkPriority p;
    seen.push_back(threadNice());
    raised.push_back(p.raised());
    p.update(0.3);  // between the thresholds: no change
    raised.push_back(p.raised());
    p.update(0.6);  // above half: back to the inherited priority
    seen.push_back(threadNice());
    raised.push_back(p.raised());
    p.update(0.2);  // still above an eighth: stays up
    raised.push_back(p.raised());
    p.update(0.1);  // below an eighth: down again
    seen.push_back(threadNice());
    raised.push_back(p.raised());
  });
  t.join();
  ASSERT_EQ(seen.size(), 4u);
  const int base = seen[0];
  EXPECT_EQ(seen[1], std::min(base + SinkPriority::kNiceStep, 19));
  EXPECT_EQ(seen[2], base);
  EXPECT_EQ(seen[3], std::min(base + SinkPriority::kNiceStep, 19));
  EXPECT_EQ(raised, (std::vector<bool>{false, false, true, true, false}));
}

}  // namespace
}  // namespace ncxdp
