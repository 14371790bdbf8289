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

std::optional<EventKind> kindFromName(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return kAllEventKinds[i];
  return std::nullopt;
}

}  // namespace ncxdp
