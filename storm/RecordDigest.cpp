#include "storm/RecordDigest.h"

namespace ncxdp::storm {

namespace {

// splitmix64's finaliser: spreads every input bit over the output.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t recordDigest(std::optional<std::uint64_t> seq, std::optional<std::uint64_t> msgid,
                           std::uint64_t contentHash) {
  // Distinct constants for "absent" so a record without seq never equals one with seq 0.
  const std::uint64_t s = seq ? mix(*seq + 1) : 0x5e95e95e9ULL;
  const std::uint64_t m = msgid ? mix(*msgid + 0x9e3779b97f4a7c15ULL) : 0x3d3d3d3dULL;
  return mix(contentHash ^ s) ^ mix(m + 0x632be59bd9b4e019ULL);
}

}  // namespace ncxdp::storm
