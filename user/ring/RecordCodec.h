// Flat byte encoding of a Record, so the capture thread can hand records to the sink thread
// through an SpscRing. Both ends are the same process, so integers are stored in native byte
// order; lengths are 32-bit, which every record that fits a ring satisfies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "decode/Record.h"

namespace ncxdp {

// Bytes encodeRecord() writes for `record`. SIZE_MAX when a string or list is too long for the
// 32-bit length fields (no ring can hold such a record, so callers treat it as oversize).
std::size_t encodedSize(const Record& record);

// Writes exactly encodedSize(record) bytes to `out` (no alignment needed). The record must be
// encodable (encodedSize() != SIZE_MAX).
void encodeRecord(const Record& record, std::uint8_t* out);

// Rebuilds a record from an encoding. The views in `out` point into `bytes`, `dictScratch` and
// `missingScratch`; the scratch vectors are cleared and refilled, keeping their capacity, so a
// reused pair allocates nothing in steady state. Returns false for any input that is not exactly
// one valid encoding (truncated, trailing bytes, bad enum or flag, length past the end); `out`
// is then unspecified. Never reads outside `bytes`.
bool decodeRecord(std::span<const std::uint8_t> bytes, Record& out, std::vector<KeyValue>& dictScratch,
                  std::vector<ByteRange>& missingScratch);

}  // namespace ncxdp
