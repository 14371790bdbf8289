// RFC 3339 UTC timestamps for the sinks, formatted by hand: no strftime, no locale, no time zone
// lookup per record. The calendar part is computed once per second and cached, because records
// arrive in bursts that share their second.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ncxdp {

class UtcTimestamp {
 public:
  // Appends "2026-11-28T13:18:14.123456Z" for us microseconds since the Unix epoch.
  void appendRfc3339(std::uint64_t us, std::string& out);
  // The same into out (kMaxBytes available); returns the end of what was written.
  char* writeRfc3339(std::uint64_t us, char* out);
  static constexpr std::size_t kMaxBytes = 40;

 private:
  void computePrefix(std::uint64_t sec);

  std::uint64_t cachedSec_ = ~std::uint64_t{0};
  // "YYYY-MM-DDTHH:MM:SS"; the year takes more than four digits only after 9999.
  char prefix_[32] = {};
  std::size_t prefixLen_ = 0;
};

}  // namespace ncxdp
