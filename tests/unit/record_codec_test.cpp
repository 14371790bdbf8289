#include "ring/RecordCodec.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace ncxdp {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Offsets in the fixed part of the encoding, for the targeted corruption tests.
constexpr std::size_t kOffVersion = 0;
constexpr std::size_t kOffKind = 1;
constexpr std::size_t kOffFormat = 2;
constexpr std::size_t kOffFlags = 3;
constexpr std::size_t kOffGapField = 4;
constexpr std::size_t kOffReserved = 5;
constexpr std::size_t kOffSeq = 40;
constexpr std::size_t kOffReleaseLen = 80;
constexpr std::size_t kOffTextLen = 88;
constexpr std::size_t kOffDictCount = 92;
constexpr std::size_t kOffMissingCount = 96;

Bytes encode(const Record& r) {
  std::size_t n = encodedSize(r);
  // Guard bytes after the encoding catch a writer that goes past encodedSize().
  Bytes out(n + 16, 0xa5);
  encodeRecord(r, out.data());
  for (std::size_t i = n; i < out.size(); ++i)
    EXPECT_EQ(out[i], 0xa5) << "encodeRecord wrote past its size at " << i;
  out.resize(n);
  return out;
}

void expectSame(const Record& a, const Record& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.src, b.src);
  EXPECT_EQ(a.recvTsUs, b.recvTsUs);
  EXPECT_EQ(a.format, b.format);
  ASSERT_EQ(a.release.has_value(), b.release.has_value());
  if (a.release) EXPECT_EQ(*a.release, *b.release);
  EXPECT_EQ(a.facility, b.facility);
  EXPECT_EQ(a.level, b.level);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.tsUsec, b.tsUsec);
  EXPECT_EQ(a.cont, b.cont);
  EXPECT_EQ(a.caller, b.caller);
  EXPECT_EQ(a.text, b.text);
  ASSERT_EQ(a.dict.size(), b.dict.size());
  for (std::size_t i = 0; i < a.dict.size(); ++i) {
    EXPECT_EQ(a.dict[i].key, b.dict[i].key) << i;
    EXPECT_EQ(a.dict[i].value, b.dict[i].value) << i;
  }
  EXPECT_EQ(a.msgid, b.msgid);
  EXPECT_EQ(a.incomplete, b.incomplete);
  ASSERT_EQ(a.missing.size(), b.missing.size());
  for (std::size_t i = 0; i < a.missing.size(); ++i) EXPECT_EQ(a.missing[i], b.missing[i]) << i;
  EXPECT_EQ(a.gapField, b.gapField);
  EXPECT_EQ(a.gapFrom, b.gapFrom);
  EXPECT_EQ(a.gapTo, b.gapTo);
  EXPECT_EQ(a.dump, b.dump);
}

// Encodes, decodes from an exact-size heap copy (so a sanitizer sees any over-read) and compares.
void expectRoundTrip(const Record& r) {
  Bytes bytes = encode(r);
  Record back;
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  ASSERT_TRUE(decodeRecord(bytes, back, dict, missing));
  expectSame(r, back);
  EXPECT_EQ(encode(back), bytes) << "re-encoding a decoded record gives the same bytes";
}

class RecordCodecTest : public ::testing::Test {
 protected:
  RecordCodecTest() {
    const std::uint8_t v6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
    full_.kind = RecordKind::Message;
    full_.src = Source::ipv6(v6, 6666);
    full_.recvTsUs = 1'700'000'000'123'456ull;
    full_.format = Format::Extended;
    full_.release = release_;
    full_.facility = 3;
    full_.level = 6;
    full_.seq = 12345;
    full_.tsUsec = 987654321;
    full_.cont = true;
    full_.caller = "T123";
    full_.text = text_;
    full_.dict = dict_;
    full_.msgid = 77;
    full_.incomplete = true;
    full_.missing = missing_;
    full_.dump = 2;
  }

  std::string release_ = "6.12.0-rc1";
  std::string text_ = std::string("bin\0ary \xff\xfe \xc3\x28 text\n", 19);
  std::string dupKey_ = "SUBSYSTEM";
  std::string binValue_ = std::string("\0\x01\x80\xff", 4);
  std::vector<KeyValue> dict_ = {
      {dupKey_, "net"}, {dupKey_, "pci"}, {"EMPTY", ""}, {"", "novalue"}, {"BIN", binValue_}};
  std::vector<ByteRange> missing_ = {{0, 10}, {100, 200}, {4000, 0xffffffffu}};
  Record full_;
};

TEST_F(RecordCodecTest, DefaultRecordRoundTrips) {
  expectRoundTrip(Record{});
}

TEST_F(RecordCodecTest, FullMessageRoundTrips) {
  expectRoundTrip(full_);
}

TEST_F(RecordCodecTest, OptionalsAbsentAndPresentZeroAreDistinct) {
  Record r = full_;
  r.seq.reset();
  r.tsUsec = 0;
  r.msgid.reset();
  expectRoundTrip(r);
  r.seq = 0;
  r.tsUsec.reset();
  r.msgid = 0;
  expectRoundTrip(r);
  r.seq = std::numeric_limits<std::uint64_t>::max();
  r.tsUsec = std::numeric_limits<std::uint64_t>::max();
  r.msgid = std::numeric_limits<std::uint64_t>::max();
  expectRoundTrip(r);
  EXPECT_NE(encode(r), encode(full_));
}

TEST_F(RecordCodecTest, EmptyReleaseDiffersFromAbsentRelease) {
  Record absent = full_;
  absent.release.reset();
  Record empty = full_;
  empty.release = std::string_view{};
  expectRoundTrip(absent);
  expectRoundTrip(empty);
  EXPECT_NE(encode(absent), encode(empty));

  Record back;
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  Bytes bytes = encode(empty);
  ASSERT_TRUE(decodeRecord(bytes, back, dict, missing));
  ASSERT_TRUE(back.release.has_value());
  EXPECT_TRUE(back.release->empty());
}

TEST_F(RecordCodecTest, ExtremeIntegersRoundTrip) {
  Record r = full_;
  r.facility = -1;
  r.level = -1;
  r.recvTsUs = std::numeric_limits<std::uint64_t>::max();
  expectRoundTrip(r);
  r.facility = INT_MIN;
  r.level = INT_MAX;
  r.src = Source::ipv4(0xffffffffu, 65535);
  r.cont = false;
  r.incomplete = false;
  expectRoundTrip(r);
}

TEST_F(RecordCodecTest, EveryByteValueSurvivesInTextCallerAndDict) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  Record r;
  r.text = all;
  r.caller = all;
  r.release = all;
  KeyValue kv{all, all};
  r.dict = std::span<const KeyValue>(&kv, 1);
  expectRoundTrip(r);
}

TEST_F(RecordCodecTest, GapRecordsRoundTrip) {
  Record gap;
  gap.kind = RecordKind::Gap;
  gap.src = Source::ipv4(0x0500000a, 6665);
  gap.recvTsUs = 42;
  gap.gapField = GapField::Seq;
  gap.gapFrom = 10;
  gap.gapTo = 19;
  expectRoundTrip(gap);
  gap.gapField = GapField::Msgid;
  gap.gapFrom = 0;
  gap.gapTo = std::numeric_limits<std::uint64_t>::max();
  expectRoundTrip(gap);
}

TEST_F(RecordCodecTest, ViewsPointIntoInputAndScratch) {
  Bytes bytes = encode(full_);
  Record back;
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  ASSERT_TRUE(decodeRecord(bytes, back, dict, missing));
  auto inside = [&](std::string_view v) {
    auto* p = reinterpret_cast<const std::uint8_t*>(v.data());
    return p >= bytes.data() && p + v.size() <= bytes.data() + bytes.size();
  };
  EXPECT_TRUE(inside(back.text));
  EXPECT_TRUE(inside(back.caller));
  EXPECT_TRUE(inside(*back.release));
  for (const KeyValue& kv : back.dict) {
    EXPECT_TRUE(inside(kv.key));
    EXPECT_TRUE(inside(kv.value));
  }
  EXPECT_EQ(back.dict.data(), dict.data());
  EXPECT_EQ(back.missing.data(), missing.data());
}

TEST_F(RecordCodecTest, ScratchIsReusedWithoutShrinking) {
  std::vector<KeyValue> bigDict(50, KeyValue{"k", "v"});
  std::vector<ByteRange> bigMissing(40, ByteRange{1, 2});
  Record big = full_;
  big.dict = bigDict;
  big.missing = bigMissing;
  Bytes bigBytes = encode(big);
  Bytes smallBytes = encode(full_);

  Record back;
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  ASSERT_TRUE(decodeRecord(bigBytes, back, dict, missing));
  expectSame(big, back);
  const KeyValue* dictData = dict.data();
  const ByteRange* missingData = missing.data();
  const std::size_t dictCap = dict.capacity();
  const std::size_t missingCap = missing.capacity();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(decodeRecord(smallBytes, back, dict, missing));
    expectSame(full_, back);
    ASSERT_TRUE(decodeRecord(bigBytes, back, dict, missing));
    expectSame(big, back);
  }
  EXPECT_EQ(dict.data(), dictData);
  EXPECT_EQ(missing.data(), missingData);
  EXPECT_EQ(dict.capacity(), dictCap);
  EXPECT_EQ(missing.capacity(), missingCap);
}

TEST_F(RecordCodecTest, DecodeOverwritesEveryFieldOfAReusedRecord) {
  Bytes fullBytes = encode(full_);
  Bytes emptyBytes = encode(Record{});
  Record back;
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  ASSERT_TRUE(decodeRecord(fullBytes, back, dict, missing));
  ASSERT_TRUE(decodeRecord(emptyBytes, back, dict, missing));
  expectSame(Record{}, back);
}

TEST_F(RecordCodecTest, EveryTruncationIsRejected) {
  Record gap;
  gap.kind = RecordKind::Gap;
  gap.gapTo = 5;
  for (const Record& r : {full_, gap}) {
    Bytes bytes = encode(r);
    std::vector<KeyValue> dict;
    std::vector<ByteRange> missing;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));  // exact-size heap copy
      Record back;
      EXPECT_FALSE(decodeRecord(prefix, back, dict, missing)) << "prefix of " << n << " bytes";
    }
    Bytes longer = bytes;
    longer.push_back(0);
    Record back;
    EXPECT_FALSE(decodeRecord(longer, back, dict, missing)) << "trailing byte";
    EXPECT_TRUE(decodeRecord(bytes, back, dict, missing));
  }
}

TEST_F(RecordCodecTest, InvalidHeaderFieldsAreRejected) {
  const Bytes good = encode(full_);
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  Record back;
  auto rejects = [&](std::size_t offset, std::uint8_t value) {
    Bytes b = good;
    b[offset] = value;
    return !decodeRecord(b, back, dict, missing);
  };
  EXPECT_TRUE(rejects(kOffVersion, 0));
  EXPECT_TRUE(rejects(kOffVersion, 1));  // the layout before the dump field
  EXPECT_TRUE(rejects(kOffVersion, 3));
  EXPECT_TRUE(rejects(kOffKind, 2));
  EXPECT_TRUE(rejects(kOffFormat, 2));
  EXPECT_TRUE(rejects(kOffGapField, 2));
  EXPECT_TRUE(rejects(kOffReserved, 1));
  EXPECT_TRUE(rejects(kOffFlags, 0xff));  // unknown flag bits
  EXPECT_TRUE(rejects(kOffFlags, 0x40));
}

TEST_F(RecordCodecTest, AbsentOptionalWithAValueIsRejected) {
  Record r = full_;
  r.seq.reset();
  r.release.reset();
  Bytes good = encode(r);
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  Record back;
  ASSERT_TRUE(decodeRecord(good, back, dict, missing));
  Bytes b = good;
  b[kOffSeq] = 1;  // seq absent but its slot is non-zero
  EXPECT_FALSE(decodeRecord(b, back, dict, missing));
  b = good;
  b[kOffReleaseLen] = 1;  // release absent but with a length
  EXPECT_FALSE(decodeRecord(b, back, dict, missing));
}

TEST_F(RecordCodecTest, HugeCountsAreRejectedWithoutAllocating) {
  const Bytes good = encode(full_);
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  Record back;
  for (std::size_t offset : {kOffTextLen, kOffDictCount, kOffMissingCount}) {
    Bytes b = good;
    const std::uint32_t huge = 0xffffffffu;
    std::memcpy(b.data() + offset, &huge, sizeof huge);
    EXPECT_FALSE(decodeRecord(b, back, dict, missing)) << offset;
    EXPECT_LT(dict.capacity(), 1000u);
    EXPECT_LT(missing.capacity(), 1000u);
  }
}

// The encoding is canonical, so any input the decoder accepts must re-encode to itself; with
// ASan that also proves the views stay inside the input.
void expectRejectedOrCanonical(const Bytes& input, std::vector<KeyValue>& dict,
                               std::vector<ByteRange>& missing) {
  Record back;
  if (decodeRecord(input, back, dict, missing)) {
    ASSERT_EQ(encodedSize(back), input.size());
    ASSERT_EQ(encode(back), input);
  }
}

TEST_F(RecordCodecTest, EverySingleBitFlipIsRejectedOrCanonical) {
  const Bytes good = encode(full_);
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes b = good;
      b[i] ^= static_cast<std::uint8_t>(1u << bit);
      expectRejectedOrCanonical(b, dict, missing);
      if (HasFatalFailure()) FAIL() << "byte " << i << " bit " << bit;
    }
  }
}

TEST_F(RecordCodecTest, RandomMutationsAreRejectedOrCanonical) {
  const Bytes good = encode(full_);
  std::mt19937 rng(2024);
  std::vector<KeyValue> dict;
  std::vector<ByteRange> missing;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes b = good;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 3) {
        case 0:
          b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
          break;
        case 1:
          b.resize(rng() % (b.size() + 1));
          if (b.empty()) b.push_back(1);
          break;
        default:
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng() % b.size()),
                   static_cast<std::uint8_t>(rng()));
      }
    }
    expectRejectedOrCanonical(b, dict, missing);
    if (HasFatalFailure()) FAIL() << "iteration " << iter;
  }
  // Pure noise of every small length.
  for (std::size_t len = 0; len < 300; ++len) {
    Bytes b(len);
    for (auto& c : b) c = static_cast<std::uint8_t>(rng());
    expectRejectedOrCanonical(b, dict, missing);
  }
}

TEST_F(RecordCodecTest, EncodedSizeIsExact) {
  Record r;
  const std::size_t base = encodedSize(r);
  r.text = "abc";
  EXPECT_EQ(encodedSize(r), base + 3);
  r.release = "xy";
  EXPECT_EQ(encodedSize(r), base + 5);
  KeyValue kv{"k", "vv"};
  r.dict = std::span<const KeyValue>(&kv, 1);
  EXPECT_EQ(encodedSize(r), base + 5 + 8 + 3);
  ByteRange range{1, 2};
  r.missing = std::span<const ByteRange>(&range, 1);
  EXPECT_EQ(encodedSize(r), base + 5 + 8 + 3 + 8);
  EXPECT_EQ(encode(r).size(), encodedSize(r));
}

}  // namespace
}  // namespace ncxdp
