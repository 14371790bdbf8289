#include "sink/DropReason.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <string>

namespace ncxdp {
namespace {

TEST(DropReasonTest, ErrnoMapsToTheCauseAnOperatorActsOn) {
  EXPECT_EQ(dropReasonOf(ENOSPC), DropReason::NoSpace);
  EXPECT_EQ(dropReasonOf(EDQUOT), DropReason::NoSpace);
  EXPECT_EQ(dropReasonOf(EFBIG), DropReason::NoSpace);
  EXPECT_EQ(dropReasonOf(EPIPE), DropReason::BrokenPipe);
  EXPECT_EQ(dropReasonOf(EAGAIN), DropReason::Timeout);
  EXPECT_EQ(dropReasonOf(EIO), DropReason::IoError);
  EXPECT_EQ(dropReasonOf(EROFS), DropReason::IoError);
}

TEST(DropReasonTest, NamesAreDistinctMetricLabels) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < kDropReasons; ++i) names.emplace(dropReasonName(DropReason(i)));
  EXPECT_EQ(names.size(), kDropReasons);
  EXPECT_EQ(dropReasonName(DropReason::NoSpace), "no_space");
  EXPECT_EQ(dropReasonName(DropReason::BrokenPipe), "broken_pipe");
  EXPECT_EQ(dropReasonName(DropReason::OutputFailed), "output_failed");
}

TEST(DropReasonTest, CountsSumAndPrintOnlyWhatHappened) {
  DropCounts a;
  EXPECT_EQ(a.text(), "");
  a.add(DropReason::NoSpace, 2206);
  a.add(DropReason::BrokenPipe, 1);
  DropCounts b;
  b.add(DropReason::NoSpace, 4);
  a += b;
  EXPECT_EQ(a.total(), 2211u);
  EXPECT_EQ(a[DropReason::NoSpace], 2210u);
  EXPECT_EQ(a.text(), "no_space 2210, broken_pipe 1");
}

}  // namespace
}  // namespace ncxdp
