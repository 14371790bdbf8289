// `ncxdp triage --html FILE`: one self-contained page (no scripts, fonts or images from anywhere
// else, so it can be mailed or attached to a ticket): the summary, the timeline of hosts' first
// events as an inline SVG bar chart with the cumulative count, and the clusters as a table.
#pragma once

#include <string>

#include "triage/TriageReport.h"

namespace ncxdp {

class HtmlReport {
 public:
  static std::string render(const TriageReport& report);
  // Escapes for HTML text and attribute values, after the text sink's escaping of control bytes,
  // invalid UTF-8 and bidi overrides (so wire bytes cannot reorder or hide what the page shows).
  static void appendText(std::string_view s, std::string& out);

 private:
  static void appendWhy(const ClusterReport& cluster, std::string& out);
};

}  // namespace ncxdp
