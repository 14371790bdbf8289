#include "decode/GapTracker.h"

#include <gtest/gtest.h>

namespace ncxdp {
namespace {

TEST(GapTrackerTest, SeqForwardGap) {
  GapTracker t;
  EXPECT_FALSE(t.seq(10));
  EXPECT_FALSE(t.seq(11));
  auto g = t.seq(15);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->from, 12u);
  EXPECT_EQ(g->to, 14u);
}

TEST(GapTrackerTest, SeqLateDuplicateAndReboot) {
  GapTracker t;
  t.seq(100000);
  EXPECT_FALSE(t.seq(99999));   // late
  EXPECT_FALSE(t.seq(100000));  // duplicate
  EXPECT_FALSE(t.seq(100001));  // still in order after the late one
  EXPECT_FALSE(t.seq(0));       // reboot
  EXPECT_FALSE(t.seq(1));
  auto g = t.seq(50000);  // forward from 1: a real gap
  ASSERT_TRUE(g);
  EXPECT_EQ(g->from, 2u);
  EXPECT_EQ(g->to, 49999u);
}

TEST(GapTrackerTest, SeqFarBackIsRestart) {
  GapTracker t;
  t.seq(1'000'000);
  EXPECT_FALSE(t.seq(5));  // rebooted host replaying from a low seq
  auto g = t.seq(7);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->from, 6u);
}

TEST(GapTrackerTest, MsgidWrapsAndRestarts) {
  GapTracker t;
  EXPECT_FALSE(t.msgid(0xfffffffeu));
  EXPECT_FALSE(t.msgid(0xffffffffu));
  EXPECT_FALSE(t.msgid(0));  // wrap
  auto g = t.msgid(3);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->from, 1u);
  EXPECT_EQ(g->to, 2u);
  EXPECT_FALSE(t.msgid(1));  // target re-enabled: counting starts over
  EXPECT_FALSE(t.msgid(2));
}

}  // namespace
}  // namespace ncxdp
