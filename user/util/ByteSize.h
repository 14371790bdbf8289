// Parses human byte counts for options such as --ring-size ("65536", "64K", "64M", "1G").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ncxdp {

// Binary multiples (K = 1024). Returns nullopt for empty input, junk, overflow, or a
// suffix other than K/M/G (either case, optionally followed by "iB" or "B").
std::optional<std::uint64_t> parseByteSize(std::string_view text);

}  // namespace ncxdp
