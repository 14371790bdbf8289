// Reads back the timestamps ncxdp writes ("2026-11-28T13:18:14.123456Z", sink/UtcTimestamp): the
// JSON lines parser (NATS readers, triage) and triage of dir: output.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ncxdp {

// "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" -> microseconds since the Unix epoch. Fractions
// beyond microseconds are cut. nullopt for anything else or a time before 1970.
std::optional<std::uint64_t> parseRfc3339Us(std::string_view text);

}  // namespace ncxdp
