// `ncxdp triage --json`: the report as one JSON document, for scripts and dashboards. Field names
// are part of the interface (docs/triage.md); times are RFC 3339 UTC like recv_ts in the records.
#pragma once

#include <string>

#include "triage/TriageReport.h"

namespace ncxdp {

class JsonReport {
 public:
  // Pretty-printed (2 spaces), ending in '\n'. Invalid UTF-8 from the wire becomes U+FFFD.
  static std::string render(const TriageReport& report);
};

}  // namespace ncxdp
