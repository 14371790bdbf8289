// What "captured exactly" means for one record: its printk seq and msgid (when the format carries
// them), its exact text bytes and its dictionary. The generator and the checker compute the same
// 64-bit digest, one from what it encoded, the other from ncxdp's JSON output, and compare them
// per host.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "util/Fnv1a.h"

namespace ncxdp::storm {

// FNV-1a (util/Fnv1a.h), fed piece by piece: cheap, and collisions do not matter here (digests
// are only compared among one host's own records).
class ContentHash {
 public:
  void text(std::string_view text) { h_.add(text); }
  // One dictionary entry (userdata, sysdata), in wire order.
  void pair(std::string_view key, std::string_view value) {
    h_.add(std::string_view("\0", 1)).add(key).add("=").add(value);
  }
  std::uint64_t value() const { return h_.value(); }

 private:
  Fnv1a h_;
};

// Combines a content hash with the record's numbers (absent = not sent by this format).
std::uint64_t recordDigest(std::optional<std::uint64_t> seq, std::optional<std::uint64_t> msgid,
                           std::uint64_t contentHash);

}  // namespace ncxdp::storm
