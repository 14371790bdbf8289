#include "triage/EventKind.h"

namespace ncxdp {

namespace {
constexpr std::array<std::string_view, kEventKindCount> kNames = {
    "panic",       "oops",      "bug",       "warning",  "soft_lockup",
    "hard_lockup", "hung_task", "rcu_stall", "oom_kill", "machine_check"};
}  // namespace

std::string_view kindName(EventKind kind) {
  return kNames[static_cast<std::size_t>(kind)];
}

}  // namespace ncxdp
