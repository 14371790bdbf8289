// Two threads hammer one SpscRing; built with -fsanitize=thread (target ring_stress_tsan), so any
// missing happens-before between a producer's write and the consumer's read is reported as a
// race, and every record is checked byte for byte for loss, duplication, reordering or tearing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ring/RecordCodec.h"
#include "ring/RingWriter.h"
#include "ring/SpscRing.h"

namespace ncxdp {
namespace {

// About 2.7 million records in all: ~13 s under TSan on two cores, ~20-40 s while other builds
// compete for them. The large ring's records average ~10x the bytes, hence fewer of them.
constexpr std::uint64_t kSmallRingRecords = 1'000'000;
constexpr std::uint64_t kLargeRingRecords = 150'000;
constexpr std::uint64_t kCodecRecords = 300'000;

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Record bodies are slices of one pseudo-random pool, so making and checking a record costs a
// memcpy / memcmp instead of per-byte work under TSan.
class Pool {
 public:
  Pool() : bytes_(kSize) {
    for (std::size_t i = 0; i < kSize; i += 8) {
      std::uint64_t v = mix(i);
      std::memcpy(&bytes_[i], &v, 8);
    }
  }
  const std::uint8_t* slice(std::uint64_t seq, std::size_t len) const {
    return bytes_.data() + mix(seq ^ 0x5555) % (kSize - len);
  }
  static constexpr std::size_t kSize = 1 << 20;

 private:
  std::vector<std::uint8_t> bytes_;
};

const Pool& pool() {
  static const Pool p;
  return p;
}

// Mostly short records, like log lines, with every length up to the maximum turning up often.
std::size_t lengthFor(std::uint64_t seq, std::size_t max) {
  std::uint64_t h = mix(seq);
  return 1 + (h >> 8) % ((h & 3) == 0 ? max : 96);
}

std::uint64_t checksum(const std::uint8_t* p, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = mix(h ^ w);
  }
  for (; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

// Layout of a raw record of len bytes: [seq:8][body][checksum of everything before it:8] when
// len >= 16, otherwise just the first len bytes of the seq (short records are still checked
// against the exact bytes expected for their seq).
void fillRecord(std::uint64_t seq, std::uint8_t* out, std::size_t len) {
  if (len < 16) {
    std::uint8_t head[16];
    std::memcpy(head, &seq, 8);
    std::memcpy(head + 8, pool().slice(seq, 8), 8);
    std::memcpy(out, head, len);
    return;
  }
  std::memcpy(out, &seq, 8);
  std::memcpy(out + 8, pool().slice(seq, len - 16), len - 16);
  std::uint64_t sum = checksum(out, len - 8);
  std::memcpy(out + len - 8, &sum, 8);
}

// Returns an empty string when the record is the one expected for `seq`, else what is wrong.
std::string checkRecord(std::uint64_t seq, std::span<const std::uint8_t> got, std::size_t max) {
  const std::size_t len = lengthFor(seq, max);
  if (got.size() != len)
    return "seq " + std::to_string(seq) + ": length " + std::to_string(got.size()) + ", want " +
           std::to_string(len);
  if (len >= 16) {
    std::uint64_t gotSeq, gotSum;
    std::memcpy(&gotSeq, got.data(), 8);
    std::memcpy(&gotSum, got.data() + len - 8, 8);
    if (gotSeq != seq) return "expected seq " + std::to_string(seq) + ", got seq " + std::to_string(gotSeq);
    if (gotSum != checksum(got.data(), len - 8)) return "seq " + std::to_string(seq) + ": checksum mismatch";
    if (std::memcmp(got.data() + 8, pool().slice(seq, len - 16), len - 16) != 0)
      return "seq " + std::to_string(seq) + ": body differs";
    return {};
  }
  std::uint8_t want[16];
  fillRecord(seq, want, len);
  if (std::memcmp(got.data(), want, len) != 0) return "seq " + std::to_string(seq) + ": short record differs";
  return {};
}

// Waits without starving the other thread on a 2-core box that TSan already slows down.
void backoff(unsigned& spins) {
  if (++spins < 64) return;
  std::this_thread::yield();
}

// Consumes `count` raw records, stopping at the first bad one; returns the error or "".
std::string consumeRaw(SpscRing& ring, std::uint64_t count) {
  const std::size_t max = ring.maxRecordBytes();
  for (std::uint64_t seq = 0; seq < count; ++seq) {
    std::span<const std::uint8_t> rec;
    for (unsigned spins = 0; (rec = ring.front()).empty(); backoff(spins)) {
    }
    std::string err = checkRecord(seq, rec, max);
    if (!err.empty()) return err;
    ring.pop();
  }
  if (!ring.empty() || !ring.front().empty()) return "records after the last expected one";
  return {};
}

enum class ProduceWith { TryPush, TryReserve };

void runRaw(std::size_t capacity, std::uint64_t count, ProduceWith mode) {
  SpscRing ring(capacity);
  const std::size_t max = ring.maxRecordBytes();
  std::atomic<bool> producing{true};
  std::string error;
  std::thread consumer([&] { error = consumeRaw(ring, count); });
  // A third thread reads the approximate getters the way the status line does.
  std::atomic<std::uint64_t> badObservations{0};
  std::thread observer([&] {
    while (producing.load(std::memory_order_relaxed)) {
      if (ring.usedBytes() > ring.capacity()) badObservations.fetch_add(1);
      (void)ring.empty();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });

  std::vector<std::uint8_t> scratch(max);
  std::uint64_t fullRetries = 0;
  for (std::uint64_t seq = 0; seq < count; ++seq) {
    const std::size_t len = lengthFor(seq, max);
    unsigned spins = 0;
    if (mode == ProduceWith::TryPush) {
      fillRecord(seq, scratch.data(), len);
      while (!ring.tryPush({scratch.data(), len})) {
        ++fullRetries;
        backoff(spins);
      }
    } else {
      std::uint8_t* slot;
      while ((slot = ring.tryReserve(len)) == nullptr) {
        ++fullRetries;
        backoff(spins);
      }
      fillRecord(seq, slot, len);
      ring.commit();
    }
  }
  consumer.join();
  producing = false;
  observer.join();
  EXPECT_EQ(error, "");
  EXPECT_EQ(badObservations.load(), 0u);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.usedBytes(), 0u);
  // Not a correctness condition, just evidence that the full-ring path was exercised.
  ::testing::Test::RecordProperty("full_retries", std::to_string(fullRetries));
}

TEST(RingStress, TryPushSmallRingWrapsConstantly) {
  runRaw(4096, kSmallRingRecords, ProduceWith::TryPush);
}

TEST(RingStress, TryReserveRetriesWhenFull) {
  runRaw(4096, kSmallRingRecords, ProduceWith::TryReserve);
}

TEST(RingStress, TryPushLargeRing) {
  runRaw(1 << 16, kLargeRingRecords, ProduceWith::TryPush);
}

// Codec records through RingWriter in blocking mode (the replay configuration): nothing may be
// dropped, and every field must arrive as sent.
struct CodecCase {
  std::string_view text;
  std::string_view caller;
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  Record record;
};

void makeRecord(std::uint64_t seq, CodecCase& c) {
  const std::uint64_t h = mix(seq);
  Record& r = c.record;
  r = Record{};
  r.kind = (h & 15) == 0 ? RecordKind::Gap : RecordKind::Message;
  r.src.addr[15] = static_cast<std::uint8_t>(h >> 8);
  r.src.port = static_cast<std::uint16_t>(6665 + (h & 3));
  r.recvTsUs = seq * 1000 + 17;
  if (r.kind == RecordKind::Gap) {
    r.gapField = (h & 16) != 0 ? GapField::Msgid : GapField::Seq;
    r.gapFrom = seq;
    r.gapTo = seq + (h >> 40);
    return;
  }
  r.format = (h & 32) != 0 ? Format::Extended : Format::Plain;
  if ((h & 64) != 0) r.release = std::string_view("6.12.0");
  r.facility = static_cast<int>((h >> 12) % 24) - 1;
  r.level = static_cast<int>((h >> 17) % 9) - 1;
  if ((h & 128) != 0) r.seq = seq;
  if ((h & 256) != 0) r.tsUsec = h >> 20;
  if ((h & 512) != 0) r.msgid = seq * 3;
  r.cont = (h & 1024) != 0;
  const std::size_t textLen = (h >> 24) % 300;
  c.text = std::string_view(reinterpret_cast<const char*>(pool().slice(seq, textLen)), textLen);
  r.text = c.text;
  r.caller = (h & 2048) != 0 ? std::string_view("T42") : std::string_view();
  c.dict.clear();
  for (std::uint64_t i = 0; i < (h >> 50) % 4; ++i) {
    auto* p = reinterpret_cast<const char*>(pool().slice(seq + i, 16));
    c.dict.push_back({std::string_view(p, i), std::string_view(p + 4, (h >> (i * 4)) % 12)});
  }
  r.dict = c.dict;
  c.missing.clear();
  if ((h & 4096) != 0) {
    r.incomplete = true;
    c.missing.push_back({static_cast<std::uint32_t>(seq), static_cast<std::uint32_t>(seq + 100)});
  }
  r.missing = c.missing;
}

std::string compare(const Record& a, const Record& b) {
  bool same = a.kind == b.kind && a.src == b.src && a.recvTsUs == b.recvTsUs && a.format == b.format &&
              a.release == b.release && a.facility == b.facility && a.level == b.level && a.seq == b.seq &&
              a.tsUsec == b.tsUsec && a.cont == b.cont && a.caller == b.caller && a.text == b.text &&
              a.msgid == b.msgid && a.incomplete == b.incomplete && a.gapField == b.gapField &&
              a.gapFrom == b.gapFrom && a.gapTo == b.gapTo && a.dict.size() == b.dict.size() &&
              a.missing.size() == b.missing.size();
  for (std::size_t i = 0; same && i < a.dict.size(); ++i)
    same = a.dict[i].key == b.dict[i].key && a.dict[i].value == b.dict[i].value;
  for (std::size_t i = 0; same && i < a.missing.size(); ++i) same = a.missing[i] == b.missing[i];
  return same ? std::string() : "record differs";
}

TEST(RingStress, CodecRecordsThroughBlockingRingWriter) {
  SpscRing ring(8192);
  RingWriter writer(ring);
  writer.setBlocking(true);
  std::string error;
  std::thread consumer([&] {
    CodecCase want;
    Record got;
    std::vector<KeyValue> dict;
    std::vector<ByteRange> missing;
    for (std::uint64_t seq = 0; seq < kCodecRecords; ++seq) {
      std::span<const std::uint8_t> bytes;
      for (unsigned spins = 0; (bytes = ring.front()).empty(); backoff(spins)) {
      }
      if (!decodeRecord(bytes, got, dict, missing)) {
        error = "seq " + std::to_string(seq) + ": does not decode";
        return;
      }
      makeRecord(seq, want);
      if (std::string e = compare(want.record, got); !e.empty()) {
        error = "seq " + std::to_string(seq) + ": " + e;
        return;
      }
      ring.pop();
    }
  });
  CodecCase c;
  for (std::uint64_t seq = 0; seq < kCodecRecords; ++seq) {
    makeRecord(seq, c);
    writer.onRecord(c.record);
  }
  consumer.join();
  EXPECT_EQ(error, "");
  EXPECT_EQ(writer.written(), kCodecRecords);
  EXPECT_EQ(writer.drops(), 0u);
  EXPECT_EQ(writer.oversize(), 0u);
  EXPECT_TRUE(ring.empty());
}

// Non-blocking writer against a slow consumer: records are dropped, never corrupted, and what
// arrives is an increasing subsequence; written + drops accounts for every record.
TEST(RingStress, NonBlockingWriterDropsButNeverCorrupts) {
  SpscRing ring(4096);
  RingWriter writer(ring);
  constexpr std::uint64_t kCount = 200'000;
  std::atomic<bool> producing{true};
  std::string error;
  std::uint64_t received = 0;
  std::thread consumer([&] {
    CodecCase want;
    Record got;
    std::vector<KeyValue> dict;
    std::vector<ByteRange> missing;
    std::uint64_t lastSeq = 0;
    bool first = true;
    for (;;) {
      std::span<const std::uint8_t> bytes = ring.front();
      if (bytes.empty()) {
        if (!producing.load(std::memory_order_acquire) && ring.front().empty()) return;
        std::this_thread::yield();
        continue;
      }
      if (!decodeRecord(bytes, got, dict, missing)) {
        error = "record does not decode";
        return;
      }
      // The sequence is recoverable from recvTsUs, which makeRecord() always sets.
      const std::uint64_t seq = got.recvTsUs / 1000;
      if (!first && seq <= lastSeq) {
        error = "seq " + std::to_string(seq) + " after " + std::to_string(lastSeq);
        return;
      }
      makeRecord(seq, want);
      if (std::string e = compare(want.record, got); !e.empty()) {
        error = "seq " + std::to_string(seq) + ": " + e;
        return;
      }
      first = false;
      lastSeq = seq;
      ++received;
      ring.pop();
      // Slow down every so often so the ring fills up.
      if ((received & 63) == 0) std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  });
  CodecCase c;
  for (std::uint64_t seq = 0; seq < kCount; ++seq) {
    makeRecord(seq, c);
    writer.onRecord(c.record);
  }
  producing.store(false, std::memory_order_release);
  consumer.join();
  EXPECT_EQ(error, "");
  EXPECT_EQ(writer.written() + writer.drops(), kCount);
  EXPECT_EQ(writer.oversize(), 0u);
  EXPECT_EQ(received, writer.written());
  EXPECT_GT(writer.drops(), 0u) << "the slow consumer should have forced drops";
}

}  // namespace
}  // namespace ncxdp
