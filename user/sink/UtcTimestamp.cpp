#include "sink/UtcTimestamp.h"

#include <cstring>

namespace ncxdp {

namespace {

char* putDigits(char* p, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

}  // namespace

void UtcTimestamp::computePrefix(std::uint64_t sec) {
  // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil inverse): exact for every
  // value a uint64 of microseconds can hold, unlike gmtime's int year.
  const std::uint64_t days = sec / 86400;
  const std::uint64_t rem = sec % 86400;
  const std::uint64_t z = days + 719468;
  const std::uint64_t era = z / 146097;
  const std::uint64_t doe = z - era * 146097;
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::uint64_t year = yoe + era * 400;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint64_t mp = (5 * doy + 2) / 153;
  const std::uint64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::uint64_t month = mp < 10 ? mp + 3 : mp - 9;
  if (month <= 2) ++year;

  int yearWidth = 4;
  for (std::uint64_t y = year / 10000; y != 0; y /= 10) ++yearWidth;
  char* p = putDigits(prefix_, year, yearWidth);
  *p++ = '-';
  p = putDigits(p, month, 2);
  *p++ = '-';
  p = putDigits(p, day, 2);
  *p++ = 'T';
  p = putDigits(p, rem / 3600, 2);
  *p++ = ':';
  p = putDigits(p, rem / 60 % 60, 2);
  *p++ = ':';
  p = putDigits(p, rem % 60, 2);
  prefixLen_ = static_cast<std::size_t>(p - prefix_);
  cachedSec_ = sec;
}

char* UtcTimestamp::writeRfc3339(std::uint64_t us, char* out) {
  const std::uint64_t sec = us / 1'000'000;
  if (sec != cachedSec_) computePrefix(sec);
  std::memcpy(out, prefix_, prefixLen_);
  char* p = out + prefixLen_;
  *p++ = '.';
  p = putDigits(p, us % 1'000'000, 6);
  *p++ = 'Z';
  return p;
}

void UtcTimestamp::appendRfc3339(std::uint64_t us, std::string& out) {
  char buf[kMaxBytes];
  out.append(buf, std::size_t(writeRfc3339(us, buf) - buf));
}

}  // namespace ncxdp
