#include "ring/RingWriter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ring/RecordCodec.h"
#include "ring/SpscRing.h"

namespace ncxdp {
namespace {

using namespace std::chrono_literals;

Record message(const std::string& text, std::uint64_t seq) {
  Record r;
  r.format = Format::Extended;
  r.src = Source::ipv4(0x0100007f, 6666);
  r.level = 4;
  r.seq = seq;
  r.text = text;
  return r;
}

// Pops one record and decodes it; the caller compares.
struct Popped {
  bool ok = false;
  Record record;
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  std::string text;
};

Popped popOne(SpscRing& ring) {
  Popped p;
  auto bytes = ring.front();
  if (bytes.empty()) return p;
  p.ok = decodeRecord(bytes, p.record, p.dict, p.missing);
  p.text.assign(p.record.text);  // the view dies with pop()
  p.record.text = {};
  ring.pop();
  return p;
}

TEST(RingWriterTest, WritesDecodableRecords) {
  SpscRing ring(4096);
  RingWriter writer(ring);
  EXPECT_FALSE(writer.blocking());
  EXPECT_EQ(&writer.ring(), &ring);
  for (std::uint64_t i = 0; i < 3; ++i) writer.onRecord(message("line " + std::to_string(i), i));
  EXPECT_EQ(writer.written(), 3u);
  EXPECT_EQ(writer.drops(), 0u);
  EXPECT_EQ(writer.oversize(), 0u);
  for (std::uint64_t i = 0; i < 3; ++i) {
    Popped p = popOne(ring);
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.text, "line " + std::to_string(i));
    EXPECT_EQ(p.record.seq, i);
    EXPECT_EQ(p.record.level, 4);
    EXPECT_EQ(p.record.format, Format::Extended);
  }
  EXPECT_TRUE(ring.empty());
}

TEST(RingWriterTest, FullRingDropsWithoutBlocking) {
  SpscRing ring(4096);
  RingWriter writer(ring);
  const std::string text(200, 'x');
  const std::size_t slot = 8 + ((encodedSize(message(text, 0)) + 7) & ~std::size_t{7});
  const std::uint64_t fits = ring.capacity() / slot;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < fits + 10; ++i) writer.onRecord(message(text, i));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(writer.written(), fits);
  EXPECT_EQ(writer.drops(), 10u);
  EXPECT_EQ(writer.oversize(), 0u);
  // The records that made it are the first ones, intact and in order.
  for (std::uint64_t i = 0; i < fits; ++i) {
    Popped p = popOne(ring);
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.record.seq, i);
    EXPECT_EQ(p.text, text);
  }
  EXPECT_TRUE(ring.empty());
  // Room again: writing resumes.
  writer.onRecord(message("after", 99));
  EXPECT_EQ(writer.written(), fits + 1);
  EXPECT_EQ(popOne(ring).text, "after");
}

// The decoder asks before an idle flush (issue 13 item 3): room while the ring stays half full.
TEST(RingWriterTest, HasRoomForKeepsHalfTheRingForLiveTraffic) {
  SpscRing ring(4096);
  RingWriter writer(ring);
  EXPECT_TRUE(writer.hasRoomFor(1000));
  // More than half the ring fits only when the ring is empty: it would wait forever otherwise.
  EXPECT_TRUE(writer.hasRoomFor(ring.capacity()));
  writer.onRecord(message(std::string(200, 'x'), 1));
  ASSERT_GT(ring.usedBytes(), 0u);
  EXPECT_TRUE(writer.hasRoomFor(ring.capacity() / 2 - ring.usedBytes()));
  EXPECT_FALSE(writer.hasRoomFor(ring.capacity() / 2 - ring.usedBytes() + 1));
  EXPECT_FALSE(writer.hasRoomFor(ring.capacity()));
  writer.setBlocking(true);
  EXPECT_TRUE(writer.hasRoomFor(ring.capacity()));  // a blocking writer waits instead of dropping
}

TEST(RingWriterTest, OversizeRecordIsCountedAndNeverBlocks) {
  SpscRing ring(4096);
  RingWriter writer(ring);
  writer.setBlocking(true);
  const std::string huge(ring.maxRecordBytes(), 'y');  // plus the fixed fields: too big
  const auto start = std::chrono::steady_clock::now();
  writer.onRecord(message(huge, 1));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(writer.oversize(), 1u);
  EXPECT_EQ(writer.drops(), 0u);
  EXPECT_EQ(writer.written(), 0u);
  EXPECT_TRUE(ring.empty());

  // The largest record that fits goes through.
  const std::size_t overhead = encodedSize(message("", 1));
  const std::string largest(ring.maxRecordBytes() - overhead, 'z');
  writer.onRecord(message(largest, 2));
  EXPECT_EQ(writer.written(), 1u);
  EXPECT_EQ(writer.oversize(), 1u);
  EXPECT_EQ(popOne(ring).text, largest);
}

TEST(RingWriterTest, BlockingModeWaitsForTheConsumer) {
  SpscRing ring(4096);
  RingWriter writer(ring);
  writer.setBlocking(true);
  EXPECT_TRUE(writer.blocking());
  constexpr std::uint64_t kCount = 5000;
  std::atomic<bool> failed{false};
  std::uint64_t received = 0;
  std::thread consumer([&] {
    while (received < kCount) {
      Popped p = popOne(ring);
      if (!p.ok) {
        // Slow consumer: the producer has to wait for room most of the time.
        std::this_thread::sleep_for(10us);
        continue;
      }
      if (p.record.seq != received || p.text != "record " + std::to_string(received)) failed = true;
      ++received;
    }
  });
  for (std::uint64_t i = 0; i < kCount; ++i) writer.onRecord(message("record " + std::to_string(i), i));
  consumer.join();
  EXPECT_FALSE(failed.load());
  EXPECT_EQ(received, kCount);
  EXPECT_EQ(writer.written(), kCount);
  EXPECT_EQ(writer.drops(), 0u);
  EXPECT_TRUE(ring.empty());
}

TEST(RingWriterTest, TurningBlockingOffReleasesAWaitingWriter) {
  SpscRing ring(4096);
  RingWriter writer(ring);
  const std::string text(500, 'q');
  while (writer.drops() == 0) writer.onRecord(message(text, 0));  // fill the ring
  const std::uint64_t written = writer.written();
  writer.setBlocking(true);
  std::atomic<bool> returned{false};
  std::thread producer([&] {
    writer.onRecord(message(text, 1));
    returned = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(returned.load()) << "a blocking writer waits while the ring is full";
  // Another thread reads the counters meanwhile.
  EXPECT_EQ(writer.written(), written);
  EXPECT_EQ(writer.drops(), 1u);
  writer.setBlocking(false);
  producer.join();
  EXPECT_TRUE(returned.load());
  EXPECT_EQ(writer.drops(), 2u);
  EXPECT_EQ(writer.written(), written);
}

TEST(RingWriterTest, BlockedWriterResumesWhenSpaceFrees) {
  SpscRing ring(4096);
  RingWriter writer(ring);
  const std::string text(500, 'w');
  while (writer.drops() == 0) writer.onRecord(message(text, 0));
  const std::uint64_t written = writer.written();
  writer.setBlocking(true);
  std::thread producer([&] { writer.onRecord(message(text, 7)); });  // as big as the one dropped
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(writer.written(), written);
  ASSERT_TRUE(popOne(ring).ok);  // frees one slot
  producer.join();
  EXPECT_EQ(writer.written(), written + 1);
  EXPECT_EQ(writer.drops(), 1u);
  Popped last;
  while (ring.front().size() != 0) last = popOne(ring);
  EXPECT_TRUE(last.ok);
  EXPECT_EQ(last.record.seq, 7u);
}

}  // namespace
}  // namespace ncxdp
