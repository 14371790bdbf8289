#include "triage/TextReport.h"

#include <algorithm>
#include <cstdio>

#include "sink/TextFormat.h"
#include "sink/UtcTimestamp.h"

namespace ncxdp {

namespace {

constexpr std::size_t kBarWidth = 40;

void appendf(std::string& out, const char* fmt, auto... args) {
  char buf[256];
  const int n = std::snprintf(buf, sizeof buf, fmt, args...);
  if (n > 0) out.append(buf, std::min<std::size_t>(std::size_t(n), sizeof buf - 1));
}

void appendTime(std::uint64_t us, std::string& out) {
  UtcTimestamp ts;
  ts.appendRfc3339(us, out);
}

void appendWire(std::string_view s, std::string& out) {
  TextFormat::appendEscaped(s, out);
}

}  // namespace

std::string TextReport::render(const TriageReport& r, const TextReportOptions& options) {
  std::string out;
  appendf(out, "ncxdp triage: %llu messages, %llu events in %llu clusters\n", (unsigned long long)r.records,
          (unsigned long long)r.events, (unsigned long long)r.clusterCount);
  appendf(out, "hosts:    %llu seen, %llu affected, %llu panicked\n", (unsigned long long)r.hostsSeen,
          (unsigned long long)r.hostsAffected, (unsigned long long)r.hostsPanicked);
  out += "events:  ";
  bool any = false;
  for (EventKind kind : kAllEventKinds) {
    const auto i = static_cast<std::size_t>(kind);
    if (r.eventsByKind[i] == 0) continue;
    out += any ? ", " : " ";
    any = true;
    out += kindName(kind);
    appendf(out, " %llu (%llu hosts)", (unsigned long long)r.eventsByKind[i],
            (unsigned long long)r.hostsByKind[i]);
  }
  out += any ? "\n" : " none\n";
  if (r.events != 0) {
    out += "window:   ";
    appendTime(r.firstEventUs, out);
    out += " .. ";
    appendTime(r.lastEventUs, out);
    out += '\n';
  }
  if (r.duplicates + r.truncated + r.unclustered + r.hostsUntracked + r.sourcesEvicted != 0)
    appendf(out,
            "bounds:   %llu replayed duplicates ignored, %llu events cut short, %llu events beyond the "
            "cluster cap, %llu hosts beyond the host cap, %llu senders' state evicted\n",
            (unsigned long long)r.duplicates, (unsigned long long)r.truncated,
            (unsigned long long)r.unclustered, (unsigned long long)r.hostsUntracked,
            (unsigned long long)r.sourcesEvicted);
  if (r.clusters.empty()) return out;

  out += "\n  #  cluster       kind            hosts  panicked  events  reason\n";
  for (std::size_t i = 0; i < r.clusters.size(); ++i) {
    const ClusterReport& c = r.clusters[i];
    appendf(out, "%3zu  %s  %-14s %6llu  %8llu  %6llu  ", i + 1, c.id.c_str(),
            std::string(kindName(c.kind)).c_str(), (unsigned long long)c.hosts,
            (unsigned long long)c.hostsPanicked, (unsigned long long)c.events);
    appendWire(c.reason.substr(0, 100), out);
    out += '\n';
  }
  if (r.clusters.size() < r.clusterCount)
    appendf(out, "     (%llu more clusters; --top 0 lists all)\n",
            (unsigned long long)(r.clusterCount - r.clusters.size()));

  for (std::size_t i = 0; i < r.clusters.size(); ++i) {
    const ClusterReport& c = r.clusters[i];
    appendf(out, "\n#%zu %s  %s", i + 1, c.id.c_str(), std::string(kindName(c.kind)).c_str());
    if (!c.cls.empty()) {
      out += ": ";
      appendWire(c.cls, out);
    }
    appendf(out, "\n  hosts     %llu (%llu panicked), %llu events\n", (unsigned long long)c.hosts,
            (unsigned long long)c.hostsPanicked, (unsigned long long)c.events);
    out += "  reason    ";
    appendWire(c.reason, out);
    out += '\n';
    if (!c.message.empty()) {
      out += c.kind == EventKind::OomKill    ? "  killed    "
             : c.kind == EventKind::HungTask ? "  task      "
                                             : "  message   ";
      appendWire(c.message, out);
      out += '\n';
    }
    if (!c.panicMessage.empty()) {
      out += "  panic     ";
      appendWire(c.panicMessage, out);
      out += '\n';
    }
    for (std::size_t f = 0; f < c.frames.size(); ++f) {
      out += f == 0 ? "  frames    " : "            ";
      appendWire(c.frames[f], out);
      out += '\n';
    }
    out += "  releases  ";
    for (std::size_t k = 0; k < c.releases.size(); ++k) {
      if (k != 0) out += ", ";
      appendWire(c.releases[k].release.empty() ? "unknown" : c.releases[k].release, out);
      appendf(out, " (%llu)", (unsigned long long)c.releases[k].events);
    }
    if (c.otherReleaseEvents != 0) appendf(out, ", others (%llu)", (unsigned long long)c.otherReleaseEvents);
    out += "\n  seen      ";
    appendTime(c.firstUs, out);
    out += " .. ";
    appendTime(c.lastUs, out);
    out += "\n  hosts     ";
    for (std::size_t h = 0; h < c.exampleHosts.size(); ++h) {
      if (h != 0) out += ", ";
      out += c.exampleHosts[h];
    }
    if (c.hosts > c.exampleHosts.size())
      appendf(out, " (+%llu more)", (unsigned long long)(c.hosts - c.exampleHosts.size()));
    out += '\n';
  }

  if (!r.timeline.empty()) {
    out += "\ntimeline: hosts with their first event, per second (UTC)\n";
    std::uint64_t peak = 0;
    for (const TimelinePoint& p : r.timeline) peak = std::max(peak, p.hosts);
    const std::size_t rows = std::min(r.timeline.size(), options.timelineRows);
    for (std::size_t i = 0; i < rows; ++i) {
      const TimelinePoint& p = r.timeline[i];
      out += "  ";
      std::string t;
      appendTime(p.second * 1'000'000, t);
      out += t.substr(0, 19);  // to the second
      appendf(out, "  %6llu  ", (unsigned long long)p.hosts);
      const std::size_t bar = peak == 0 ? 0 : std::max<std::size_t>(1, p.hosts * kBarWidth / peak);
      out.append(bar, '#');
      out.append(kBarWidth - bar, ' ');
      appendf(out, "  %llu total\n", (unsigned long long)p.cumulative);
    }
    if (r.timeline.size() > rows)
      appendf(out, "  ... %zu more seconds, %llu hosts in all (--json has every second)\n",
              r.timeline.size() - rows, (unsigned long long)r.timeline.back().cumulative);
  }
  return out;
}

}  // namespace ncxdp
