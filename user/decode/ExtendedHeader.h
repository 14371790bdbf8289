// The header of an extended netconsole datagram: everything before the first ';'.
//   [<release>,]<prio>,<seq>,<ts_usec>,<flag>[,caller=..][,ncxdp_dump=<n>][,ncfrag=<off>/<total>]
//   [,<unknown>...]
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ncxdp {

struct ExtendedHeader {
  std::optional<std::string_view> release;
  std::uint32_t prio = 0;
  std::uint64_t seq = 0;
  std::uint64_t tsUsec = 0;
  bool cont = false;
  std::string_view caller;
  bool fragmented = false;
  std::uint32_t fragOffset = 0;
  std::uint32_t fragTotal = 0;
  // ncxdp_dump=<n>: the message was replayed by the n-th crash dump of ncxdp_tx's kmsg dumper
  // (kmod/); 0 for a live message.
  std::uint64_t dump = 0;
  // The header without its ",ncfrag=..." field, in two pieces: what identifies the message that
  // fragments belong to, since every fragment repeats the rest of the header.
  std::string_view keyHead;
  std::string_view keyTail;
};

// Longest header we look for a ';' in: release (<= 64) + numbers + caller + ncfrag, with margin.
inline constexpr std::size_t kMaxExtendedHeader = 256;

// Parses the header of `payload`. On success fills `out` and `bodyOffset` (the byte after ';').
// Returns false when the payload is not extended netconsole; the caller then treats it as plain
// text, so a malformed header loses no bytes.
bool parseExtendedHeader(std::string_view payload, ExtendedHeader& out, std::size_t& bodyOffset);

// After parseExtendedHeader() refused `payload`: whether it still has the shape of an extended
// header ([release,]<number>,<number>,<number>,<flag>[,...]; before a ';', no newline) with a
// value that is invalid: a signed or out-of-range number, a bad ncfrag. Such a datagram is
// malformed extended netconsole (counted as such), not plain text that happens to hold a ';'.
bool looksLikeExtendedHeader(std::string_view payload);

// Parses a header already split off (no ';'), e.g. a stored fragment key.
bool parseExtendedHeaderFields(std::string_view header, ExtendedHeader& out);

}  // namespace ncxdp
