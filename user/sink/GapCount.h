// How many values a gap event covers, the same in every sink. msgid is a u32 that wraps, so a
// msgid gap can run from near 2^32-1 round to a small value (from > to); seq never wraps.
#pragma once

#include <cstdint>

#include "decode/Record.h"

namespace ncxdp {

inline std::uint64_t gapCount(const Record& record) {
  if (record.gapField == GapField::Msgid)
    return std::uint64_t{static_cast<std::uint32_t>(record.gapTo - record.gapFrom)} + 1;
  return record.gapTo < record.gapFrom ? 0 : record.gapTo - record.gapFrom + 1;
}

}  // namespace ncxdp
