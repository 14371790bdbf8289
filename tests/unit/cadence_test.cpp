// ring/Cadence: a consumer naps only right after a look that found work, once per look, so a
// busy stage wakes on a timer and an idle one blocks (and is woken) as before.
#include "ring/Cadence.h"

#include <gtest/gtest.h>

#include <chrono>

namespace ncxdp {
namespace {

using Clock = std::chrono::steady_clock;

TEST(CadenceTest, IdleConsumerDoesNotNap) {
  Cadence cadence(std::chrono::milliseconds(50));
  const auto t0 = Clock::now();
  EXPECT_FALSE(cadence.nap());
  // Returned at once: an idle consumer goes straight to its doorbell.
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(50));
}

TEST(CadenceTest, NapsOneIntervalAfterWorkThenStops) {
  Cadence cadence(std::chrono::milliseconds(20));
  cadence.worked();
  const auto t0 = Clock::now();
  EXPECT_TRUE(cadence.nap());
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(20));
  // Nothing found after the nap: the cadence ends and the consumer blocks until woken.
  EXPECT_FALSE(cadence.nap());
}

TEST(CadenceTest, KeepsNappingWhileEveryLookFindsWork) {
  Cadence cadence(std::chrono::microseconds(100));
  for (int i = 0; i < 5; ++i) {
    cadence.worked();
    EXPECT_TRUE(cadence.nap()) << "look " << i;
  }
  EXPECT_FALSE(cadence.nap());
}

TEST(CadenceTest, ZeroIntervalNeverNaps) {
  Cadence cadence(std::chrono::microseconds(0));
  cadence.worked();
  EXPECT_FALSE(cadence.nap());
}

}  // namespace
}  // namespace ncxdp
