#include <gtest/gtest.h>

#include "nats/ReadTarget.h"

namespace ncxdp {
namespace {

using namespace std::chrono_literals;
using Step = ReadTarget::Step;

// The reply sequence seen after a leader restart: the consumer sits on a catching-up replica,
// reports 0 pending at seq 11035 of 20072, then the rest arrives.
TEST(NatsReadTarget, ZeroPendingBeforeTheLastSequenceDoesNotEndTheRead) {
  const auto t0 = ReadTarget::Clock::now();
  ReadTarget target(20072, 30s, t0);
  EXPECT_EQ(target.onBatch(256, 10779, t0), Step::Continue);
  EXPECT_EQ(target.onBatch(11035, 0, t0 + 1s), Step::Continue);  // the early "0 pending"
  EXPECT_EQ(target.onEmpty(t0 + 2s), Step::Continue);
  EXPECT_EQ(target.onBatch(19150, 0, t0 + 3s), Step::Continue);
  EXPECT_EQ(target.onBatch(20072, 0, t0 + 4s), Step::Done);
  EXPECT_EQ(target.reached(), 20072u);
}

TEST(NatsReadTarget, GivesUpAfterTheBoundedWaitWithoutProgressAndSaysWhere) {
  const auto t0 = ReadTarget::Clock::now();
  ReadTarget target(20072, 30s, t0);
  EXPECT_EQ(target.onBatch(11035, 0, t0 + 1s), Step::Continue);
  EXPECT_EQ(target.onEmpty(t0 + 30s), Step::Continue);            // 29 s since progress
  EXPECT_EQ(target.onBatch(11035, 0, t0 + 20s), Step::Continue);  // a redelivery is no progress
  EXPECT_EQ(target.onEmpty(t0 + 31s), Step::GiveUp);
  const std::string why = target.shortfall("NCXDP");
  EXPECT_NE(why.find("read up to seq 11035 of 20072"), std::string::npos) << why;
  EXPECT_NE(why.find("run again"), std::string::npos) << why;
}

TEST(NatsReadTarget, EmptyStreamAndEarlierDurableProgressAreDoneAtOnce) {
  const auto t0 = ReadTarget::Clock::now();
  EXPECT_EQ(ReadTarget(0, 30s, t0).onEmpty(t0), Step::Done);
  ReadTarget durable(500, 30s, t0);
  EXPECT_EQ(durable.onBatch(600, 0, t0), Step::Done);  // already delivered in an earlier run
}

TEST(NatsReadTarget, ProgressRestartsTheWait) {
  const auto t0 = ReadTarget::Clock::now();
  ReadTarget target(1000, 10s, t0);
  EXPECT_EQ(target.onBatch(100, 0, t0 + 9s), Step::Continue);
  EXPECT_EQ(target.onEmpty(t0 + 18s), Step::Continue);
  EXPECT_EQ(target.onEmpty(t0 + 19s), Step::GiveUp);
}

}  // namespace
}  // namespace ncxdp
