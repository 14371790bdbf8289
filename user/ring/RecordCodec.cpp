#include "ring/RecordCodec.h"

#include <cstring>
#include <limits>
#include <string_view>

namespace ncxdp {

namespace {

// Layout: a fixed part, then release, caller and text bytes, then per dict entry
// (u32 keyLen, u32 valueLen, key, value), then per missing range (u32 begin, u32 end).
// Fixed part: u8 version, u8 kind, u8 format, u8 flags, u8 gapField, u8 zero, u16 port,
// 16 addr bytes, u64 recvTsUs, i32 facility, i32 level, u64 seq, u64 tsUsec, u64 msgid,
// u64 gapFrom, u64 gapTo, u32 releaseLen, u32 callerLen, u32 textLen, u32 dictCount,
// u32 missingCount, u64 dump.
constexpr std::uint8_t kVersion = 2;
constexpr std::size_t kFixedBytes = 6 + 2 + 16 + 8 + 4 + 4 + 5 * 8 + 5 * 4 + 8;
constexpr std::size_t kDictEntryBytes = 8;
constexpr std::size_t kRangeBytes = 8;

// The optionals and bools; an absent optional is encoded as 0 and must decode only from 0, so
// each record has exactly one encoding and a flipped flag is caught.
constexpr std::uint8_t kHasRelease = 1 << 0;
constexpr std::uint8_t kHasSeq = 1 << 1;
constexpr std::uint8_t kHasTsUsec = 1 << 2;
constexpr std::uint8_t kHasMsgid = 1 << 3;
constexpr std::uint8_t kCont = 1 << 4;
constexpr std::uint8_t kIncomplete = 1 << 5;
constexpr std::uint8_t kKnownFlags = (1 << 6) - 1;

constexpr std::size_t kMaxLen = std::numeric_limits<std::uint32_t>::max();

static_assert(sizeof(int) == sizeof(std::int32_t), "facility and level are stored as 32-bit");
static_assert(sizeof(Source::addr) == 16);

class Writer {
 public:
  explicit Writer(std::uint8_t* out) : p_(out) {}
  template <typename T>
  void put(T value) {
    std::memcpy(p_, &value, sizeof value);
    p_ += sizeof value;
  }
  void bytes(const void* data, std::size_t n) {
    // memcpy with a null source is undefined even for n == 0 (an empty string_view may have one).
    if (n != 0) std::memcpy(p_, data, n);
    p_ += n;
  }
  void len(std::size_t n) { put(static_cast<std::uint32_t>(n)); }

 private:
  std::uint8_t* p_;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : p_(in.data()), left_(in.size()) {}
  template <typename T>
  bool get(T& value) {
    if (left_ < sizeof value) return false;
    std::memcpy(&value, p_, sizeof value);
    advance(sizeof value);
    return true;
  }
  bool view(std::uint32_t n, std::string_view& out) {
    if (left_ < n) return false;
    out = std::string_view(reinterpret_cast<const char*>(p_), n);
    advance(n);
    return true;
  }
  bool bytes(void* out, std::size_t n) {
    if (left_ < n) return false;
    std::memcpy(out, p_, n);
    advance(n);
    return true;
  }
  std::size_t left() const { return left_; }

 private:
  void advance(std::size_t n) {
    p_ += n;
    left_ -= n;
  }
  const std::uint8_t* p_;
  std::size_t left_;
};

template <typename T>
bool decodeOptional(Reader& in, bool present, std::optional<T>& out) {
  T value;
  if (!in.get(value)) return false;
  if (present)
    out = value;
  else if (value != 0)
    return false;
  else
    out.reset();
  return true;
}

}  // namespace

std::size_t encodedSize(const Record& record) {
  constexpr std::size_t kTooLarge = std::numeric_limits<std::size_t>::max();
  const std::size_t release = record.release ? record.release->size() : 0;
  if (release > kMaxLen || record.caller.size() > kMaxLen || record.text.size() > kMaxLen ||
      record.dict.size() > kMaxLen || record.missing.size() > kMaxLen)
    return kTooLarge;
  std::size_t total =
      kFixedBytes + release + record.caller.size() + record.text.size() + record.missing.size() * kRangeBytes;
  for (const KeyValue& kv : record.dict) {
    if (kv.key.size() > kMaxLen || kv.value.size() > kMaxLen) return kTooLarge;
    total += kDictEntryBytes + kv.key.size() + kv.value.size();
  }
  return total;
}

void encodeRecord(const Record& record, std::uint8_t* out) {
  std::uint8_t flags = 0;
  if (record.release) flags |= kHasRelease;
  if (record.seq) flags |= kHasSeq;
  if (record.tsUsec) flags |= kHasTsUsec;
  if (record.msgid) flags |= kHasMsgid;
  if (record.cont) flags |= kCont;
  if (record.incomplete) flags |= kIncomplete;
  const std::string_view release = record.release.value_or(std::string_view{});

  Writer w(out);
  w.put(kVersion);
  w.put(static_cast<std::uint8_t>(record.kind));
  w.put(static_cast<std::uint8_t>(record.format));
  w.put(flags);
  w.put(static_cast<std::uint8_t>(record.gapField));
  w.put(std::uint8_t{0});
  w.put(record.src.port);
  w.bytes(record.src.addr.data(), record.src.addr.size());
  w.put(record.recvTsUs);
  w.put(static_cast<std::int32_t>(record.facility));
  w.put(static_cast<std::int32_t>(record.level));
  w.put(record.seq.value_or(0));
  w.put(record.tsUsec.value_or(0));
  w.put(record.msgid.value_or(0));
  w.put(record.gapFrom);
  w.put(record.gapTo);
  w.len(release.size());
  w.len(record.caller.size());
  w.len(record.text.size());
  w.len(record.dict.size());
  w.len(record.missing.size());
  w.put(record.dump);
  w.bytes(release.data(), release.size());
  w.bytes(record.caller.data(), record.caller.size());
  w.bytes(record.text.data(), record.text.size());
  for (const KeyValue& kv : record.dict) {
    w.len(kv.key.size());
    w.len(kv.value.size());
    w.bytes(kv.key.data(), kv.key.size());
    w.bytes(kv.value.data(), kv.value.size());
  }
  for (const ByteRange& r : record.missing) {
    w.put(r.begin);
    w.put(r.end);
  }
}

bool decodeRecord(std::span<const std::uint8_t> bytes, Record& out, std::vector<KeyValue>& dictScratch,
                  std::vector<ByteRange>& missingScratch) {
  dictScratch.clear();
  missingScratch.clear();
  Reader in(bytes);
  std::uint8_t version, kind, format, flags, gapField, zero;
  if (!in.get(version) || !in.get(kind) || !in.get(format) || !in.get(flags) || !in.get(gapField) ||
      !in.get(zero))
    return false;
  if (version != kVersion || zero != 0 || (flags & ~kKnownFlags) != 0) return false;
  if (kind > static_cast<std::uint8_t>(RecordKind::Gap) ||
      format > static_cast<std::uint8_t>(Format::Extended) ||
      gapField > static_cast<std::uint8_t>(GapField::Msgid))
    return false;
  out.kind = static_cast<RecordKind>(kind);
  out.format = static_cast<Format>(format);
  out.gapField = static_cast<GapField>(gapField);
  out.cont = (flags & kCont) != 0;
  out.incomplete = (flags & kIncomplete) != 0;

  std::int32_t facility, level;
  if (!in.get(out.src.port) || !in.bytes(out.src.addr.data(), out.src.addr.size()) || !in.get(out.recvTsUs) ||
      !in.get(facility) || !in.get(level))
    return false;
  out.facility = facility;
  out.level = level;
  if (!decodeOptional(in, (flags & kHasSeq) != 0, out.seq) ||
      !decodeOptional(in, (flags & kHasTsUsec) != 0, out.tsUsec) ||
      !decodeOptional(in, (flags & kHasMsgid) != 0, out.msgid) || !in.get(out.gapFrom) || !in.get(out.gapTo))
    return false;

  std::uint32_t releaseLen, callerLen, textLen, dictCount, missingCount;
  if (!in.get(releaseLen) || !in.get(callerLen) || !in.get(textLen) || !in.get(dictCount) ||
      !in.get(missingCount) || !in.get(out.dump))
    return false;
  if ((flags & kHasRelease) == 0 && releaseLen != 0) return false;
  std::string_view release;
  if (!in.view(releaseLen, release) || !in.view(callerLen, out.caller) || !in.view(textLen, out.text))
    return false;
  if ((flags & kHasRelease) != 0)
    out.release = release;
  else
    out.release.reset();

  // Check the counts against what is left before sizing the scratch vectors, so a corrupt count
  // cannot make us allocate gigabytes.
  if (dictCount > in.left() / kDictEntryBytes) return false;
  dictScratch.resize(dictCount);
  for (KeyValue& kv : dictScratch) {
    std::uint32_t keyLen, valueLen;
    if (!in.get(keyLen) || !in.get(valueLen) || !in.view(keyLen, kv.key) || !in.view(valueLen, kv.value))
      return false;
  }
  if (missingCount != in.left() / kRangeBytes || in.left() % kRangeBytes != 0) return false;
  missingScratch.resize(missingCount);
  for (ByteRange& r : missingScratch) {
    if (!in.get(r.begin) || !in.get(r.end)) return false;
  }
  out.dict = dictScratch;
  out.missing = missingScratch;
  return in.left() == 0;
}

}  // namespace ncxdp
