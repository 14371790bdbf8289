// The limits every decoder of one capture shares (issue 13 item 3): one --decoder-memory and one
// --max-sources over all capture threads, the oldest state evicted first across them, counted,
// and idle flushes paced by the outputs instead of overflowing a ring.
#include "decode/DecoderBudget.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "decode/Decoder.h"
#include "decoder_test_util.h"

namespace ncxdp {
namespace {

using testing::bytes;
using testing::Collector;

constexpr std::uint64_t kT0 = 1'764'000'000'000'000ull;

Source host(std::uint32_t n) {
  return Source::ipv4(0x0a000000u + n, 6665);
}

// A plain line without its newline: pending state that costs one allocation of ~`len` bytes.
std::string partialLine(std::uint32_t n, std::size_t len = 200) {
  std::string s = "[    1.000000] host " + std::to_string(n) + " ";
  s.resize(len, 'p');
  return s;
}

TEST(BudgetPoolTest, TakeGiveFloorAndChunk) {
  BudgetPool pool(1000, 2);
  EXPECT_EQ(pool.total(), 1000u);
  EXPECT_EQ(pool.floor(), 250u);  // half the total, split over the members
  EXPECT_GE(pool.chunk(), 1u);
  EXPECT_LE(pool.chunk(), 1000u / 32);
  EXPECT_TRUE(pool.take(600));
  EXPECT_FALSE(pool.take(401));
  EXPECT_TRUE(pool.take(400));
  EXPECT_EQ(pool.available(), 0u);
  pool.give(1000);
  EXPECT_EQ(pool.available(), 1000u);
}

TEST(BudgetPoolTest, ZeroMeansNoLimit) {
  BudgetPool pool(0, 4);
  EXPECT_TRUE(pool.take(std::uint64_t(1) << 40));
}

TEST(BudgetPoolTest, HorizonOnlyGrows) {
  BudgetPool pool(10, 1);
  EXPECT_EQ(pool.horizonUs(), 0u);
  pool.noteEviction(500);
  pool.noteEviction(300);
  EXPECT_EQ(pool.horizonUs(), 500u);
}

TEST(BudgetShareTest, GrowsFromThePoolAndGivesBack) {
  BudgetPool pool(1000, 2);
  {
    BudgetShare a(pool);
    BudgetShare b(pool);
    EXPECT_EQ(a.granted(), 250u);  // each starts with its floor
    EXPECT_EQ(b.granted(), 250u);
    EXPECT_TRUE(a.add(700));    // within the pool: a grows to cover it
    EXPECT_FALSE(a.add(200));   // 900: the pool has only what b's floor does not hold
    EXPECT_EQ(a.used(), 900u);  // still counted: the caller evicts
    EXPECT_FALSE(a.within());
    a.remove(500);  // 400 used: a gives back what is well above it
    EXPECT_TRUE(a.within());
    EXPECT_LT(a.granted(), 750u);
    EXPECT_GE(a.granted(), 400u);
    EXPECT_TRUE(b.add(500));  // what a gave back is b's to take
  }
  EXPECT_EQ(pool.available(), 1000u);  // every unit returned when the shares end
}

// With per-thread limits, two threads tracked up to twice --max-sources, and one thread holding
// more than its limit evicted on almost every datagram. Now the limit is one total, and the
// oldest sender goes first whichever thread holds it.
TEST(SharedDecoderBudgetTest, MaxSourcesIsATotalOverDecoders) {
  DecoderConfig config;
  config.maxSources = 100;
  config.budget = std::make_shared<DecoderBudget>(config.memoryBytes, config.maxSources, 2);
  Decoder a(config);
  Decoder b(config);
  Collector out;
  std::uint64_t t = kT0;
  for (std::uint32_t n = 0; n < 100; ++n) a.feed(host(n), bytes("a\n"), ++t, out);
  EXPECT_LE(a.sourceCount(), 75u);  // b's floor (a quarter) stays b's
  for (std::uint32_t n = 1000; n < 1100; ++n) {
    b.feed(host(n), bytes("b\n"), ++t, out);
    ASSERT_LE(a.sourceCount() + b.sourceCount(), 100u);
  }
  // b had to evict its own senders, newer than all of a's: a gives up its older ones at its tick.
  EXPECT_GT(b.stats().sourcesEvicted, 0u);
  a.tick(++t, out);
  EXPECT_GT(a.stats().sourcesEvicted, 0u);
  EXPECT_LE(a.sourceCount(), 25u + 2u);
  for (std::uint32_t n = 2000; n < 2100; ++n) {
    b.feed(host(n), bytes("b\n"), ++t, out);
    ASSERT_LE(a.sourceCount() + b.sourceCount(), 100u);
  }
  EXPECT_GE(b.sourceCount(), 70u);  // the newest senders of the capture are tracked
}

TEST(SharedDecoderBudgetTest, MemoryIsOneBudgetAndTheOldestLineGoesFirst) {
  DecoderConfig config;
  config.memoryBytes = 64 * 1024;
  config.budget = std::make_shared<DecoderBudget>(config.memoryBytes, config.maxSources, 2);
  Decoder a(config);
  Decoder b(config);
  Collector outA;
  Collector outB;
  std::uint64_t t = kT0;
  // a fills what it can get with old partial lines.
  for (std::uint32_t n = 0; n < 400; ++n) a.feed(host(n), bytes(partialLine(n)), ++t, outA);
  EXPECT_LE(a.pendingBytes(), config.memoryBytes);
  // b's newer lines: over the budget, b evicts its own oldest and a its older ones at its tick.
  for (std::uint32_t n = 1000; n < 1400; ++n) {
    b.feed(host(n), bytes(partialLine(n)), ++t, outB);
    ASSERT_LE(a.pendingBytes() + b.pendingBytes(), config.memoryBytes);
    if (n % 50 == 0) a.tick(t, outA);
  }
  a.tick(++t, outA);
  EXPECT_GT(a.stats().linesEvictedMemory, 0u);
  // Every evicted line came out whole as far as it went, flagged incomplete, and counted.
  std::size_t cut = 0;
  for (const auto& r : outA.messages()) {
    EXPECT_TRUE(r.incomplete);
    EXPECT_EQ(r.text.size(), 200u - std::string("[    1.000000] ").size()) << "a line lost bytes";
    ++cut;
  }
  EXPECT_EQ(cut, a.stats().linesEvictedMemory + a.stats().linesEvictedSources);
  // What is left still comes out at the end: nothing is lost, only emitted early.
  a.flush(++t, outA);
  b.flush(++t, outB);
  EXPECT_EQ(outA.messages().size() + outB.messages().size(), 800u);
  EXPECT_EQ(a.pendingBytes() + b.pendingBytes(), 0u);
}

TEST(SharedDecoderBudgetTest, EvictedPartialLineIsFlaggedIncompleteAndCounted) {
  DecoderConfig config;
  config.maxSources = 2;
  Decoder d(config);
  Collector out;
  d.feed(host(1), bytes("[    1.000000] waiting for the rest"), kT0, out);
  d.feed(host(2), bytes("x\n"), kT0 + 1, out);
  d.feed(host(3), bytes("y\n"), kT0 + 2, out);  // evicts host 1
  auto m = out.messages();
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[1].text, "waiting for the rest");  // before host 3's record: evicted to make room
  EXPECT_TRUE(m[1].incomplete);
  EXPECT_FALSE(m[2].incomplete);
  EXPECT_EQ(d.stats().linesEvictedSources, 1u);
  EXPECT_EQ(d.stats().sourcesEvicted, 1u);
}

// Many senders going quiet at once used to flush into the ring in one tick and overflow it
// (24,563 records dropped at the idle flush). While the output has no room, the rest waits.
class GatedCollector : public Collector {
 public:
  bool hasRoomFor(std::size_t) const override { return room; }
  bool room = false;
};

TEST(SharedDecoderBudgetTest, IdleFlushWaitsForRoomInsteadOfOverflowing) {
  Decoder d;
  GatedCollector out;
  for (std::uint32_t n = 0; n < 100; ++n) d.feed(host(n), bytes(partialLine(n, 40)), kT0, out);
  const std::uint64_t idle = kT0 + 2'000'000;
  d.tick(idle, out);
  EXPECT_TRUE(out.records.empty());
  EXPECT_EQ(d.stats().flushPaced, 1u);
  EXPECT_GT(d.pendingBytes(), 0u);
  out.room = true;
  d.tick(idle + 100'000, out);
  EXPECT_EQ(out.messages().size(), 100u);
  EXPECT_EQ(d.stats().linesIdleFlushed, 100u);
  EXPECT_EQ(d.pendingBytes(), 0u);
}

}  // namespace
}  // namespace ncxdp
