#include "decode/Record.h"

namespace ncxdp {

std::string_view levelName(int level) {
  static constexpr std::string_view kNames[] = {"emerg", "alert",  "crit", "err",
                                                "warn",  "notice", "info", "debug"};
  if (level < 0 || level > 7) return "-";
  return kNames[level];
}

}  // namespace ncxdp
