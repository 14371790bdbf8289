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

// "LABEL  kind: class" and the hosts line: the top of a cluster block and of --explain.
void appendHeading(const ClusterReport& c, const std::string& label, std::string& out) {
  out += label;
  out += "  ";
  out += kindName(c.kind);
  if (!c.cls.empty()) {
    out += ": ";
    appendWire(c.cls, out);
  }
  appendf(out, "\n  hosts     %llu (%llu panicked), %llu events\n", (unsigned long long)c.hosts,
          (unsigned long long)c.hostsPanicked, (unsigned long long)c.events);
}

// The frames of the first event the signature did not use, and why: what makes two traces that
// differ there the same bug. One line per reason (consecutive frames skipped for the same reason
// are listed together); the plumbing below the entry point is left to --explain.
constexpr std::size_t kReasonsShown = 4;
constexpr std::size_t kFramesPerReason = 4;

void appendSkipped(const ClusterReport& c, std::string& out) {
  if (c.explained.empty()) return;
  const std::vector<FrameNote>& notes = c.explained.front().notes;
  std::size_t lines = 0, hidden = 0;
  for (std::size_t i = 0; i < notes.size();) {
    const std::string& why = notes[i].why;
    std::size_t j = i;
    while (j < notes.size() && notes[j].why == why) ++j;
    if (!why.empty()) {
      if (lines == kReasonsShown || why == "below the entry point") {
        hidden += j - i;
      } else {
        out += lines == 0 ? "  skipped   " : "            ";
        for (std::size_t k = i; k < j && k < i + kFramesPerReason; ++k) {
          if (k != i) out += ", ";
          appendWire(notes[k].frame, out);
        }
        if (j - i > kFramesPerReason) appendf(out, " (+%zu)", j - i - kFramesPerReason);
        out += ": ";
        out += why;
        out += '\n';
        ++lines;
      }
    }
    i = j;
  }
  if (hidden != 0)
    appendf(out, "            (%zu more frames not used; --explain %s lists them)\n", hidden, c.id.c_str());
}

}  // namespace

std::string TextReport::explain(const ClusterReport& c, std::size_t topFrames) {
  std::string out;
  appendHeading(c, "cluster " + c.id, out);
  out += "  signature ";
  appendWire(c.signature, out);
  out +=
      "\n\nEvents share this cluster when their signature is the same: the kind, the class (numbers\n"
      "masked) and the first ";
  out += std::to_string(topFrames);
  out +=
      " frames that identify the bug. Frames that only say how the bug was\n"
      "reached (entry code, scheduler, locks, allocators, sanitizers, the watchdog's interrupt)\n"
      "are skipped.\n";
  for (const ExplainedEvent& e : c.explained) {
    out += "\nevent from ";
    out += e.host;
    out += ", release ";
    appendWire(e.release.empty() ? "unknown" : e.release, out);
    out += '\n';
    if (e.notes.empty()) out += "  (no call trace: the signature uses what the report names)\n";
    for (const FrameNote& n : e.notes) {
      out += n.why.empty() ? "  used      " : "  skipped   ";
      appendWire(n.frame, out);
      if (!n.why.empty()) {
        out += "  (";
        out += n.why;
        out += ')';
      }
      out += '\n';
    }
  }
  if (c.explained.size() > 1)
    out += "\nThe events above come from different releases; their used frames agree.\n";
  return out;
}

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
    out += '\n';
    appendHeading(c, "#" + std::to_string(i + 1) + " " + c.id, out);
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
    appendSkipped(c, out);
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
