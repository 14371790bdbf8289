// XskCapture's setup helpers that need no privileges: the --queues parser and the queue count.
#include "capture/XskCapture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace ncxdp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string errorOf(std::string_view text, std::uint32_t available) {
  try {
    XskCapture::parseQueues(text, available);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

// The default UMEM is deep for the one- and two-queue NICs of most receivers, and bounded in all
// for many-queue NICs: 64 MiB per queue would pin 1 GiB on 16 queues.
TEST(XskCaptureTest, DefaultRingSizeBoundsTheTotal) {
  EXPECT_EQ(XskCapture::defaultRingSize(1), 32768u);
  EXPECT_EQ(XskCapture::defaultRingSize(2), 32768u);
  EXPECT_EQ(XskCapture::defaultRingSize(3), 16384u);
  EXPECT_EQ(XskCapture::defaultRingSize(4), 16384u);
  EXPECT_EQ(XskCapture::defaultRingSize(8), 8192u);
  EXPECT_EQ(XskCapture::defaultRingSize(16), 4096u);
  EXPECT_EQ(XskCapture::defaultRingSize(64), 4096u) << "never below 4096 per queue";
  for (std::size_t q = 1; q <= 16; ++q)
    EXPECT_LE(XskCapture::defaultRingSize(q) * q * 2048, std::size_t(128) << 20);
}

TEST(XskCaptureTest, AllIsEveryQueue) {
  EXPECT_THAT(XskCapture::parseQueues("all", 4), ElementsAre(0u, 1u, 2u, 3u));
  EXPECT_THAT(XskCapture::parseQueues("all", 1), ElementsAre(0u));
}

TEST(XskCaptureTest, ListsAndRangesAreSortedAndDeduplicated) {
  EXPECT_THAT(XskCapture::parseQueues("3,0-1,1", 8), ElementsAre(0u, 1u, 3u));
  EXPECT_THAT(XskCapture::parseQueues("4-7", 8), ElementsAre(4u, 5u, 6u, 7u));
  EXPECT_THAT(XskCapture::parseQueues("2", 3), ElementsAre(2u));
}

TEST(XskCaptureTest, BadListsNameThePart) {
  EXPECT_EQ(errorOf("2", 2), "bad --queues '2': '2' is out of range: the interface has 2 RX queue(s)");
  EXPECT_THAT(errorOf("0,x", 2), HasSubstr("'x' is not a queue number or range"));
  EXPECT_THAT(errorOf("1-", 2), HasSubstr("'1-' is not a queue number or range"));
  EXPECT_THAT(errorOf("", 2), HasSubstr("is not a queue number or range"));
  EXPECT_THAT(errorOf("0,", 2), HasSubstr("is not a queue number or range"));
  EXPECT_THAT(errorOf("3-1", 4), HasSubstr("'3-1' is an empty range"));
  EXPECT_THAT(errorOf("-1", 4), HasSubstr("is not a queue number or range"));
}

TEST(XskCaptureTest, QueueCountOfLoopbackAndMissingInterface) {
  EXPECT_GE(XskCapture::rxQueueCount("lo"), 1u);
  EXPECT_THROW(XskCapture::rxQueueCount("ncxdp-nosuch0"), std::runtime_error);
  EXPECT_THROW(XskCapture::rxQueueCount(std::string(40, 'a')), std::runtime_error);
}

}  // namespace
}  // namespace ncxdp
