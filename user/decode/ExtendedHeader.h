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

// What a payload's header turned out to be. Malformed: the shape of an extended header
// ([release,]<number>,<number>,<number>,<flag>[,...] before a ';', no newline) with a value no
// kernel sends: a signed or out-of-range number, a bad ncfrag, a body longer than its ncfrag
// total. The caller keeps such a datagram as plain text (no byte lost) and counts it; NotHeader is
// plain text that may hold a ';'.
enum class HeaderParse { Ok, NotHeader, Malformed };

// Parses the header of `payload`. When Ok, fills `out` and `bodyOffset` (the byte after ';').
HeaderParse parseExtendedHeader(std::string_view payload, ExtendedHeader& out, std::size_t& bodyOffset);

// Parses a header already split off (no ';'), e.g. a stored fragment key.
HeaderParse parseExtendedHeaderFields(std::string_view header, ExtendedHeader& out);

}  // namespace ncxdp
