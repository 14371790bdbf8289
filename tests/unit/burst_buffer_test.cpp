// BurstBuffer: what attach's capture threads copy datagrams into before decoding. Order, the
// round trip of source and arrival time, wraparound, a full buffer and an oversize datagram
// (each counted by cause), the high-water mark, and a two-thread handoff with close().
#include "ring/BurstBuffer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace ncxdp {
namespace {

std::vector<std::uint8_t> bytes(const std::string& text) {
  return {text.begin(), text.end()};
}

std::string text(std::span<const std::uint8_t> payload) {
  return {payload.begin(), payload.end()};
}

Source sender(std::uint16_t port) {
  return Source::ipv4(0x0ac70102, port);  // 10.199.1.2
}

TEST(BurstBufferTest, KeepsOrderSourceAndArrivalTime) {
  BurstBuffer buffer(4096);
  ASSERT_TRUE(buffer.push(sender(1), 100, bytes("first")));
  ASSERT_TRUE(buffer.push(sender(2), 200, bytes("second")));
  buffer.publish();

  BufferedDatagram d;
  ASSERT_TRUE(buffer.front(d));
  EXPECT_EQ(d.source, sender(1));
  EXPECT_EQ(d.arrivalUs, 100u);
  EXPECT_EQ(text(d.payload), "first");
  buffer.pop();
  ASSERT_TRUE(buffer.front(d));
  EXPECT_EQ(d.source, sender(2));
  EXPECT_EQ(d.arrivalUs, 200u);
  EXPECT_EQ(text(d.payload), "second");
  buffer.pop();
  EXPECT_FALSE(buffer.front(d));
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.stats().datagrams, 2u);
}

TEST(BurstBufferTest, WrapsAroundManyTimesWithoutLosingOrCorrupting) {
  BurstBuffer buffer(4096);
  BufferedDatagram d;
  // 1000 datagrams of varying length through a 4 KiB buffer, three in flight at a time.
  std::uint64_t next = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    const std::string payload = std::to_string(i) + std::string(i % 300, char('a' + i % 26));
    ASSERT_TRUE(buffer.push(sender(std::uint16_t(i)), i, bytes(payload))) << i;
    buffer.publish();
    if (i % 3 == 2) {
      for (; next <= i; ++next) {
        ASSERT_TRUE(buffer.front(d));
        EXPECT_EQ(d.arrivalUs, next);
        EXPECT_EQ(text(d.payload), std::to_string(next) + std::string(next % 300, char('a' + next % 26)));
        buffer.pop();
      }
    }
  }
  EXPECT_EQ(buffer.stats().full, 0u);
  EXPECT_EQ(buffer.stats().datagrams, 1000u);
}

TEST(BurstBufferTest, FullAndOversizeAreCountedApartAndNothingIsOverwritten) {
  BurstBuffer buffer(4096);
  const std::vector<std::uint8_t> payload(500, 'x');
  std::uint64_t accepted = 0;
  while (buffer.push(sender(1), accepted, payload)) ++accepted;
  buffer.publish();
  ASSERT_GT(accepted, 0u);
  EXPECT_EQ(buffer.stats().full, 1u);
  EXPECT_FALSE(buffer.push(sender(1), 0, payload));
  EXPECT_EQ(buffer.stats().full, 2u);

  const std::vector<std::uint8_t> huge(buffer.maxPayloadBytes() + 1, 'y');
  EXPECT_FALSE(buffer.push(sender(1), 0, huge));
  EXPECT_EQ(buffer.stats().oversize, 1u);
  EXPECT_EQ(buffer.stats().full, 2u);

  // The high-water mark is what was used at the fullest, and stays after draining.
  const BurstBufferStats before = buffer.stats();
  EXPECT_EQ(before.highWaterBytes, before.usedBytes);
  EXPECT_GT(before.highWaterBytes, accepted * payload.size());
  BufferedDatagram d;
  for (std::uint64_t i = 0; i < accepted; ++i) {
    ASSERT_TRUE(buffer.front(d));
    EXPECT_EQ(d.arrivalUs, i);  // the earliest datagrams were kept, none overwritten
    EXPECT_EQ(d.payload.size(), payload.size());
    buffer.pop();
  }
  EXPECT_EQ(buffer.stats().usedBytes, 0u);
  EXPECT_EQ(buffer.stats().highWaterBytes, before.highWaterBytes);
  EXPECT_EQ(buffer.stats().datagrams, accepted);
}

TEST(BurstBufferTest, LargestPayloadFits) {
  BurstBuffer buffer(4096);
  const std::vector<std::uint8_t> largest(buffer.maxPayloadBytes(), 'z');
  EXPECT_TRUE(buffer.push(sender(1), 0, largest));
  EXPECT_EQ(buffer.stats().oversize, 0u);
}

TEST(BurstBufferTest, TwoThreadsHandOverEveryDatagramInOrderThenFinish) {
  BurstBuffer buffer(8192);
  constexpr std::uint64_t kCount = 200'000;
  std::atomic<bool> giveUp{false};
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kCount; ++i) {
      const std::string payload = std::to_string(i);
      // Waits for room instead of dropping: the consumer below is slower now and then.
      if (!buffer.pushWaiting(sender(std::uint16_t(i % 7)), i, bytes(payload), giveUp)) {
        ADD_FAILURE() << "datagram " << i << " dropped";
        break;  // still close(), so the consumer ends
      }
      if (i % 16 == 15) buffer.publish();
    }
    buffer.publish();
    buffer.close();
  });
  std::uint64_t next = 0;
  BufferedDatagram d;
  while (!buffer.finished()) {
    if (!buffer.front(d)) {
      buffer.wait(std::chrono::milliseconds(100));
      continue;
    }
    ASSERT_EQ(d.arrivalUs, next);
    ASSERT_EQ(text(d.payload), std::to_string(next));
    ASSERT_EQ(d.source, sender(std::uint16_t(next % 7)));
    buffer.pop();
    ++next;
  }
  producer.join();
  EXPECT_EQ(next, kCount);
  EXPECT_EQ(buffer.stats().full, 0u);
  EXPECT_EQ(buffer.stats().datagrams, kCount);
}

}  // namespace
}  // namespace ncxdp
