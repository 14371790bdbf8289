#include "ring/SpscRing.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <random>
#include <stdexcept>
#include <vector>

namespace ncxdp {
namespace {

constexpr std::size_t kHeader = 8;

std::size_t slotBytes(std::size_t len) {
  return kHeader + ((len + 7) & ~std::size_t{7});
}

std::vector<std::uint8_t> pattern(std::size_t len, std::uint8_t seed) {
  std::vector<std::uint8_t> v(len);
  for (std::size_t i = 0; i < len; ++i) v[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  return v;
}

bool push(SpscRing& ring, std::size_t len, std::uint8_t seed = 0) {
  return ring.tryPush(pattern(len, seed));
}

// Pops the front record and checks it is `len` bytes of pattern(seed).
void expectPop(SpscRing& ring, std::size_t len, std::uint8_t seed = 0) {
  auto front = ring.front();
  ASSERT_EQ(front.size(), len);
  auto want = pattern(len, seed);
  EXPECT_EQ(std::memcmp(front.data(), want.data(), len), 0);
  ring.pop();
}

TEST(SpscRingTest, CapacityIsRoundedUpToAPowerOfTwoOfAtLeast4096) {
  EXPECT_EQ(SpscRing(0).capacity(), 4096u);
  EXPECT_EQ(SpscRing(1).capacity(), 4096u);
  EXPECT_EQ(SpscRing(4096).capacity(), 4096u);
  EXPECT_EQ(SpscRing(4097).capacity(), 8192u);
  EXPECT_EQ(SpscRing(1 << 20).capacity(), std::size_t{1} << 20);
  EXPECT_EQ(SpscRing((1 << 20) + 1).capacity(), std::size_t{1} << 21);
  EXPECT_THROW(SpscRing((std::size_t{1} << 30) + 1), std::runtime_error);
}

TEST(SpscRingTest, MaxRecordBytesIsAQuarterOfCapacityLessTheHeader) {
  SpscRing small(4096);
  EXPECT_EQ(small.maxRecordBytes(), 4096u / 4 - kHeader);
  SpscRing big(1 << 20);
  EXPECT_EQ(big.maxRecordBytes(), (std::size_t{1} << 20) / 4 - kHeader);
}

TEST(SpscRingTest, EmptyRing) {
  SpscRing ring(4096);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.usedBytes(), 0u);
  EXPECT_TRUE(ring.front().empty());
  ring.pop();  // popping nothing is harmless
  EXPECT_TRUE(ring.empty());
  EXPECT_TRUE(ring.front().empty());
}

TEST(SpscRingTest, PushFrontPop) {
  SpscRing ring(4096);
  ASSERT_TRUE(push(ring, 13, 5));
  EXPECT_FALSE(ring.empty());
  EXPECT_EQ(ring.usedBytes(), slotBytes(13));
  // front() is stable until pop().
  auto a = ring.front();
  auto b = ring.front();
  EXPECT_EQ(a.data(), b.data());
  EXPECT_EQ(a.size(), b.size());
  expectPop(ring, 13, 5);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.usedBytes(), 0u);
}

TEST(SpscRingTest, PayloadsAre8ByteAligned) {
  SpscRing ring(4096);
  for (std::size_t len = 1; len < 40; ++len) {
    std::uint8_t* slot = ring.tryReserve(len);
    ASSERT_NE(slot, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(slot) % 8, 0u) << len;
    ring.commit();
    ring.pop();
  }
}

TEST(SpscRingTest, UsedBytesCountsHeaderAndAlignment) {
  SpscRing ring(4096);
  ASSERT_TRUE(push(ring, 1));
  EXPECT_EQ(ring.usedBytes(), 16u);
  ASSERT_TRUE(push(ring, 8));
  EXPECT_EQ(ring.usedBytes(), 32u);
  ASSERT_TRUE(push(ring, 9));
  EXPECT_EQ(ring.usedBytes(), 56u);
  ring.pop();
  EXPECT_EQ(ring.usedBytes(), 40u);
}

TEST(SpscRingTest, RejectsZeroLengthAndTooLong) {
  SpscRing ring(4096);
  EXPECT_EQ(ring.tryReserve(0), nullptr);
  EXPECT_EQ(ring.tryReserve(ring.maxRecordBytes() + 1), nullptr);
  EXPECT_EQ(ring.tryReserve(ring.capacity()), nullptr);
  EXPECT_FALSE(ring.tryPush({}));
  EXPECT_TRUE(ring.empty());
  ASSERT_TRUE(push(ring, ring.maxRecordBytes(), 9));
  expectPop(ring, ring.maxRecordBytes(), 9);
}

TEST(SpscRingTest, FillsExactlyToCapacity) {
  SpscRing ring(4096);
  const std::size_t len = ring.maxRecordBytes();  // each slot is exactly a quarter
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(push(ring, len, std::uint8_t(i))) << i;
  EXPECT_EQ(ring.usedBytes(), ring.capacity());
  EXPECT_FALSE(push(ring, len));
  EXPECT_FALSE(push(ring, 1));
  EXPECT_EQ(ring.tryReserve(1), nullptr);
  expectPop(ring, len, 0);
  EXPECT_EQ(ring.usedBytes(), ring.capacity() - slotBytes(len));
  // The freed slot is at offset 0, exactly where the write index wrapped to: no padding.
  ASSERT_TRUE(push(ring, len, 4));
  EXPECT_EQ(ring.usedBytes(), ring.capacity());
  for (int i = 1; i <= 4; ++i) expectPop(ring, len, std::uint8_t(i));
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRingTest, RecordEndingExactlyAtBufferEndNeedsNoPadding) {
  SpscRing ring(4096);
  // 3 * 1024 + 1016 + 8 header = 4096: the last record ends at the end of the buffer.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(push(ring, 1016));
  for (int i = 0; i < 3; ++i) ring.pop();
  ASSERT_TRUE(push(ring, 1016, 1));
  EXPECT_EQ(ring.usedBytes(), 1024u);
  ASSERT_TRUE(push(ring, 8, 2));  // starts at offset 0
  EXPECT_EQ(ring.usedBytes(), 1024u + 16u);
  expectPop(ring, 1016, 1);
  expectPop(ring, 8, 2);
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRingTest, WrapsWithPaddingMarker) {
  SpscRing ring(4096);
  std::uint8_t* first = ring.tryReserve(992);  // slot of 1000 bytes at offset 0
  ASSERT_NE(first, nullptr);
  ring.commit();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(push(ring, 992));
  for (int i = 0; i < 4; ++i) ring.pop();
  EXPECT_TRUE(ring.empty());
  // The write offset is 4000: 96 bytes to the end, too few for a 208-byte slot.
  std::uint8_t* slot = ring.tryReserve(200);
  ASSERT_NE(slot, nullptr);
  EXPECT_EQ(slot, first) << "a record that does not fit at the end starts at offset 0";
  auto bytes = pattern(200, 3);
  std::memcpy(slot, bytes.data(), bytes.size());
  ring.commit();
  EXPECT_EQ(ring.usedBytes(), 96u + 208u) << "the padding is accounted until the record is popped";
  expectPop(ring, 200, 3);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.usedBytes(), 0u);
}

TEST(SpscRingTest, PaddingCountsAgainstFreeSpace) {
  SpscRing ring(4096);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(push(ring, 992, std::uint8_t(i)));  // write offset 4000
  expectPop(ring, 992, 0);
  // 1096 bytes free in total, but a 1024-byte slot needs 96 bytes of padding first.
  EXPECT_EQ(ring.capacity() - ring.usedBytes(), 1096u);
  EXPECT_EQ(ring.tryReserve(1016), nullptr);
  // A slot that fits together with its padding is accepted.
  ASSERT_TRUE(push(ring, 1000 - 8 - 96 - 8, 7));  // 96 padding + 896 slot = 992 <= 1096
  expectPop(ring, 992, 1);
  expectPop(ring, 992, 2);
  expectPop(ring, 992, 3);
  expectPop(ring, 1000 - 8 - 96 - 8, 7);
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRingTest, UncommittedReservationIsInvisibleAndReplaced) {
  SpscRing ring(4096);
  std::uint8_t* slot = ring.tryReserve(100);
  ASSERT_NE(slot, nullptr);
  EXPECT_TRUE(ring.front().empty());
  EXPECT_TRUE(ring.empty());
  // Abandon it: the next reservation reuses the same space.
  std::uint8_t* again = ring.tryReserve(5);
  EXPECT_EQ(again, slot);
  std::memcpy(again, "hello", 5);
  ring.commit();
  auto front = ring.front();
  ASSERT_EQ(front.size(), 5u);
  EXPECT_EQ(std::memcmp(front.data(), "hello", 5), 0);
  ring.pop();
  EXPECT_TRUE(ring.empty());
}

// Whatever the offset, a maximal record fits in an empty ring and in one at most half full.
TEST(SpscRingTest, MaxRecordFitsAtEveryOffset) {
  const std::size_t capacity = 4096;
  for (std::size_t offset = 0; offset < capacity; offset += 8) {
    SpscRing ring(capacity);
    // Walk the indices to `offset` with 16- and 24-byte slots (8 is only reachable past a lap).
    std::size_t target = offset == 8 ? capacity + 8 : offset;
    std::size_t walked = 0;
    if (target % 16 == 8) {
      ASSERT_TRUE(push(ring, 16));
      ring.pop();
      walked = 24;
    }
    for (; walked < target; walked += 16) {
      ASSERT_TRUE(push(ring, 8));
      ring.pop();
    }
    ASSERT_TRUE(ring.empty());
    const std::size_t max = ring.maxRecordBytes();
    // Empty ring: the reservation succeeds; abandoning it leaves the indices where they were.
    ASSERT_NE(ring.tryReserve(max), nullptr) << "offset " << offset;
    // One maximal record (plus any padding) is at most half the ring; another must still fit.
    ASSERT_TRUE(push(ring, max, 1)) << "offset " << offset;
    ASSERT_LE(ring.usedBytes(), capacity / 2);
    ASSERT_TRUE(push(ring, max, 2)) << "offset " << offset;
    expectPop(ring, max, 1);
    expectPop(ring, max, 2);
    ASSERT_TRUE(ring.empty());
  }
}

TEST(SpscRingTest, RandomSizesStayInFifoOrder) {
  SpscRing ring(8192);
  std::mt19937 rng(12345);
  std::deque<std::pair<std::size_t, std::uint8_t>> model;
  std::size_t modelBytes = 0;
  std::uint8_t seed = 0;
  for (int op = 0; op < 200000; ++op) {
    if (rng() % 2 == 0) {
      std::size_t len = 1 + rng() % (rng() % 8 == 0 ? ring.maxRecordBytes() : 64);
      bool pushed = push(ring, len, seed);
      if (pushed) {
        model.emplace_back(len, seed);
        modelBytes += slotBytes(len);
      } else {
        // Refusal needs the live slots, the padding already in the ring and the new slot with its
        // own padding (each padding shorter than a slot) to exceed the capacity.
        ASSERT_GT(modelBytes + 2 * slotBytes(len) + slotBytes(ring.maxRecordBytes()), ring.capacity() + 16);
      }
      ++seed;
    } else if (!model.empty()) {
      auto [len, s] = model.front();
      expectPop(ring, len, s);
      model.pop_front();
      modelBytes -= slotBytes(len);
    } else {
      ASSERT_TRUE(ring.front().empty());
    }
    ASSERT_EQ(ring.empty(), model.empty());
    // usedBytes also counts padding, which is less than one slot.
    ASSERT_GE(ring.usedBytes(), modelBytes);
    ASSERT_LE(ring.usedBytes(), ring.capacity());
    ASSERT_LT(ring.usedBytes() - modelBytes, slotBytes(ring.maxRecordBytes()));
  }
}

TEST(SpscRingTest, EveryLengthUpToMaxRoundTrips) {
  SpscRing ring(4096);
  for (std::size_t len = 1; len <= ring.maxRecordBytes(); ++len) {
    std::uint8_t seed = static_cast<std::uint8_t>(len);
    ASSERT_TRUE(push(ring, len, seed)) << len;
    expectPop(ring, len, seed);
  }
  EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace ncxdp
