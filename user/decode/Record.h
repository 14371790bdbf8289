// The one record model every stage shares. A Record is a view: its strings and spans point into
// storage owned by whoever emitted it (the decoder's scratch buffers, or a ring slot) and are
// valid only for the duration of the call that hands it over. Copy what you keep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "decode/Source.h"

namespace ncxdp {

enum class RecordKind : std::uint8_t {
  Message = 0,  // one printk record (or one plain line)
  Gap = 1,      // an explicit loss event: a range of seq or msgid values never seen
};

enum class Format : std::uint8_t { Plain = 0, Extended = 1 };

enum class GapField : std::uint8_t { Seq = 0, Msgid = 1 };

struct KeyValue {
  std::string_view key;
  std::string_view value;
};

// Half-open byte range [begin, end) of a message body (the bytes after the header's ';').
struct ByteRange {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

struct Record {
  RecordKind kind = RecordKind::Message;
  Source src;
  // Wall-clock time the (last) datagram of this record arrived, microseconds since the Unix epoch.
  // In replay it is the packet timestamp of the capture.
  std::uint64_t recvTsUs = 0;

  // --- Message ---
  Format format = Format::Plain;
  std::optional<std::string_view> release;  // extended with the `r` flag (6.6+)
  int facility = -1;                        // -1: not sent (plain line without <N>)
  int level = -1;                           // 0 emerg .. 7 debug; -1: not sent
  std::optional<std::uint64_t> seq;         // printk sequence (extended)
  std::optional<std::uint64_t> tsUsec;      // kernel timestamp: extended header or plain [time]
  bool cont = false;                        // extended flag `c` (or `+` on old kernels)
  std::string_view caller;                  // "T123" / "C2"; empty when not sent
  std::string_view text;                    // exact message bytes, unescaped, without prefixes
  std::span<const KeyValue> dict;           // dictionary, userdata and sysdata, in wire order
  std::optional<std::uint64_t> msgid;       // sysdata msgid (6.15+ or ncxdp_tx)
  bool incomplete = false;                  // fragments still missing at timeout / eviction, or a
                                            // plain line cut before its newline by an eviction
  std::span<const ByteRange> missing;       // body ranges never received (incomplete only)
  std::uint64_t dump = 0;                   // n: replayed by ncxdp_tx's n-th crash dump; 0: live

  // --- Gap ---
  GapField gapField = GapField::Seq;
  std::uint64_t gapFrom = 0;  // first missing value, inclusive
  std::uint64_t gapTo = 0;    // last missing value, inclusive
};

// Receives records from the decoder (and from the ring on the sink side).
class RecordHandler {
 public:
  virtual ~RecordHandler() = default;
  virtual void onRecord(const Record& record) = 0;
  // Whether records of about `bytes` can be taken now without loss. The decoder asks before it
  // emits state that can wait (idle lines, timed-out fragments), so a flush of many senders at
  // once is paced by the outputs instead of overflowing a ring.
  virtual bool hasRoomFor(std::size_t bytes) const { return true; }
};

// How many values a gap event covers, the same for the decoder's counters and every sink. msgid
// is a u32 that wraps, so a msgid gap can run from near 2^32-1 round to a small value (from >
// to); seq never wraps.
inline std::uint64_t gapCount(const Record& record) {
  if (record.gapField == GapField::Msgid)
    return std::uint64_t{static_cast<std::uint32_t>(record.gapTo - record.gapFrom)} + 1;
  return record.gapTo < record.gapFrom ? 0 : record.gapTo - record.gapFrom + 1;
}

// Short syslog level names ("emerg" .. "debug"); "-" for -1 or out of range.
std::string_view levelName(int level);

}  // namespace ncxdp
