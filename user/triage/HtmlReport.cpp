#include "triage/HtmlReport.h"

#include <algorithm>
#include <cstdio>

#include "sink/TextFormat.h"
#include "sink/UtcTimestamp.h"

namespace ncxdp {

namespace {

constexpr int kChartWidth = 960;
constexpr int kChartHeight = 240;
constexpr int kMarginLeft = 56;
constexpr int kMarginRight = 56;
constexpr int kMarginTop = 16;
constexpr int kMarginBottom = 40;
constexpr std::uint64_t kMaxBars = 240;
constexpr std::uint64_t kMinSeconds = 60;

constexpr const char* kStyle = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; }
.summary td { padding: 2px 12px 2px 0; }
table.clusters { border-collapse: collapse; width: 100%; }
table.clusters th, table.clusters td { border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; vertical-align: top; }
table.clusters th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.frames, .mono { font-family: ui-monospace, monospace; font-size: 12px; }
.kind { font-weight: 600; }
details.why { color: #555; margin-top: 4px; } details.why summary { cursor: pointer; font-family: system-ui, sans-serif; }
.skip { color: #888; }
.k-panic, .k-oops, .k-machine_check { color: #b00; } .k-warning, .k-bug { color: #a60; }
svg text { font: 11px system-ui, sans-serif; fill: #444; }
)";

std::string rfc3339(std::uint64_t us) {
  std::string out;
  UtcTimestamp ts;
  ts.appendRfc3339(us, out);
  return out;
}

void appendf(std::string& out, const char* fmt, auto... args) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof buf, fmt, args...);
  if (n > 0) out.append(buf, std::min<std::size_t>(std::size_t(n), sizeof buf - 1));
}

void appendChart(const TriageReport& r, std::string& out) {
  const std::uint64_t first = r.timeline.front().second;
  const std::uint64_t last = r.timeline.back().second;
  // At least kMinSeconds wide, so a storm that fits in one second is one narrow bar, not a wall.
  const std::uint64_t span = std::max<std::uint64_t>(last - first + 1, kMinSeconds);
  // One bar per second while that fits, else per wider bucket.
  const std::uint64_t bucket = (span + kMaxBars - 1) / kMaxBars;
  const std::uint64_t bars = (span + bucket - 1) / bucket;
  std::vector<std::uint64_t> counts(bars, 0);
  for (const TimelinePoint& p : r.timeline) counts[(p.second - first) / bucket] += p.hosts;
  const std::uint64_t peak = std::max<std::uint64_t>(1, *std::max_element(counts.begin(), counts.end()));
  const std::uint64_t total = std::max<std::uint64_t>(1, r.timeline.back().cumulative);
  const double plotW = kChartWidth - kMarginLeft - kMarginRight;
  const double plotH = kChartHeight - kMarginTop - kMarginBottom;
  const double barW = plotW / double(bars);

  appendf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" ",
          kChartWidth, kChartHeight);
  out += "aria-label=\"hosts with their first event over time\">\n";
  appendf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n",
          kMarginLeft, kMarginTop, plotW, plotH);
  for (std::uint64_t i = 0; i < bars; ++i) {
    if (counts[i] == 0) continue;
    const double h = plotH * double(counts[i]) / double(peak);
    appendf(out,
            "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#c0392b\">"
            "<title>%s: %llu hosts</title></rect>\n",
            kMarginLeft + barW * double(i), kMarginTop + plotH - h, std::max(1.0, barW - 1), h,
            rfc3339((first + i * bucket) * 1'000'000).substr(0, 19).c_str(), (unsigned long long)counts[i]);
  }
  // Cumulative hosts affected, on the right-hand scale.
  out += "<polyline fill=\"none\" stroke=\"#2c3e50\" stroke-width=\"1.5\" points=\"";
  appendf(out, "%d,%.2f ", kMarginLeft, kMarginTop + plotH);
  std::uint64_t cumulative = 0;
  for (std::uint64_t i = 0; i < bars; ++i) {
    cumulative += counts[i];
    appendf(out, "%.2f,%.2f ", kMarginLeft + barW * (double(i) + 1),
            kMarginTop + plotH - plotH * double(cumulative) / double(total));
  }
  out += "\"/>\n";
  appendf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%llu</text>\n", kMarginLeft - 6, kMarginTop + 10,
          (unsigned long long)peak);
  appendf(out, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">0</text>\n", kMarginLeft - 6,
          kMarginTop + plotH);
  appendf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\">%llu</text>\n", kChartWidth - kMarginRight + 6,
          kMarginTop + 10, (unsigned long long)total);
  appendf(out, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"start\">hosts per %llu s (bars)</text>\n",
          kMarginLeft, kMarginTop + plotH + 30, (unsigned long long)bucket);
  appendf(out, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">cumulative (line)</text>\n",
          kChartWidth - kMarginRight, kMarginTop + plotH + 30);
  appendf(out, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"start\">%s</text>\n", kMarginLeft,
          kMarginTop + plotH + 14, rfc3339(first * 1'000'000).substr(0, 19).c_str());
  appendf(out, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%s</text>\n", kChartWidth - kMarginRight,
          kMarginTop + plotH + 14, rfc3339((first + bars * bucket - 1) * 1'000'000).substr(0, 19).c_str());
  out += "</svg>\n";
}

}  // namespace

// Under the frames: every frame of the first event of each release the signature looked at, used
// (bold) or skipped with the reason. Why events from different kernels and paths share a cluster.
void HtmlReport::appendWhy(const ClusterReport& c, std::string& out) {
  if (c.explained.empty()) return;
  out += "<details class=\"why\"><summary>why these frames</summary>";
  for (const ExplainedEvent& e : c.explained) {
    out += "<div>";
    appendText(e.host, out);
    out += ", ";
    appendText(e.release.empty() ? "unknown release" : e.release, out);
    out += ":</div>";
    for (const FrameNote& n : e.notes) {
      if (n.why.empty()) {
        out += "<b>";
        appendText(n.frame, out);
        out += "</b><br>";
      } else {
        out += "<span class=\"skip\">";
        appendText(n.frame, out);
        out += " &mdash; ";
        appendText(n.why, out);
        out += "</span><br>";
      }
    }
  }
  out += "</details>";
}

void HtmlReport::appendText(std::string_view s, std::string& out) {
  std::string escaped;
  TextFormat::appendEscaped(s, escaped);
  for (char c : escaped) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

std::string HtmlReport::render(const TriageReport& r) {
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>ncxdp triage</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<h1>ncxdp triage</h1>\n<table class=\"summary\">\n";
  appendf(out, "<tr><td>hosts seen</td><td id=\"hosts-seen\">%llu</td></tr>\n",
          (unsigned long long)r.hostsSeen);
  appendf(out, "<tr><td>hosts affected</td><td id=\"hosts-affected\">%llu</td></tr>\n",
          (unsigned long long)r.hostsAffected);
  appendf(out, "<tr><td>hosts panicked</td><td id=\"hosts-panicked\">%llu</td></tr>\n",
          (unsigned long long)r.hostsPanicked);
  appendf(out, "<tr><td>events</td><td id=\"events\">%llu", (unsigned long long)r.events);
  bool any = false;
  for (EventKind kind : kAllEventKinds) {
    const std::uint64_t n = r.eventsByKind[static_cast<std::size_t>(kind)];
    if (n == 0) continue;
    out += any ? ", " : " (";
    any = true;
    appendf(out, "%s %llu", std::string(kindName(kind)).c_str(), (unsigned long long)n);
  }
  out += any ? ")</td></tr>\n" : "</td></tr>\n";
  appendf(out, "<tr><td>clusters</td><td id=\"clusters\">%llu</td></tr>\n",
          (unsigned long long)r.clusterCount);
  appendf(out, "<tr><td>messages</td><td>%llu</td></tr>\n", (unsigned long long)r.records);
  if (r.events != 0)
    appendf(out, "<tr><td>window</td><td>%s .. %s</td></tr>\n", rfc3339(r.firstEventUs).c_str(),
            rfc3339(r.lastEventUs).c_str());
  out += "</table>\n";

  out += "<h2>Timeline: hosts with their first event</h2>\n";
  if (r.timeline.empty())
    out += "<p>No events.</p>\n";
  else
    appendChart(r, out);

  appendf(out, "<h2>Clusters (%zu of %llu, most hosts first)</h2>\n", r.clusters.size(),
          (unsigned long long)r.clusterCount);
  out +=
      "<table class=\"clusters\">\n<tr><th>#</th><th>kind</th><th>hosts</th><th>panicked</th><th>events</th>"
      "<th>reason</th><th>top frames</th><th>releases</th><th>first / last seen (UTC)</th>"
      "<th>example hosts</th></tr>\n";
  for (std::size_t i = 0; i < r.clusters.size(); ++i) {
    const ClusterReport& c = r.clusters[i];
    const std::string kind(kindName(c.kind));
    appendf(out,
            "<tr class=\"cluster\" id=\"c-%s\"><td class=\"num\">%zu<br><span class=\"mono\">%s</span></td>",
            c.id.c_str(), i + 1, c.id.c_str());
    appendf(out, "<td class=\"kind k-%s\">%s", kind.c_str(), kind.c_str());
    if (!c.cls.empty()) {
      out += "<br>";
      appendText(c.cls, out);
    }
    appendf(out, "</td><td class=\"num\">%llu</td><td class=\"num\">%llu</td><td class=\"num\">%llu</td><td>",
            (unsigned long long)c.hosts, (unsigned long long)c.hostsPanicked, (unsigned long long)c.events);
    appendText(c.reason, out);
    if (!c.message.empty()) {
      out += "<br><i>";
      appendText(c.message, out);
      out += "</i>";
    }
    if (!c.panicMessage.empty()) {
      out += "<br>panic: ";
      appendText(c.panicMessage, out);
    }
    out += "</td><td class=\"frames\">";
    for (std::size_t f = 0; f < c.frames.size(); ++f) {
      if (f != 0) out += "<br>";
      appendText(c.frames[f], out);
    }
    appendWhy(c, out);
    out += "</td><td>";
    for (std::size_t k = 0; k < c.releases.size(); ++k) {
      if (k != 0) out += "<br>";
      appendText(c.releases[k].release.empty() ? "unknown" : c.releases[k].release, out);
      appendf(out, " (%llu)", (unsigned long long)c.releases[k].events);
    }
    if (c.otherReleaseEvents != 0)
      appendf(out, "<br>others (%llu)", (unsigned long long)c.otherReleaseEvents);
    appendf(out, "</td><td class=\"mono\">%s<br>%s</td><td class=\"mono\">", rfc3339(c.firstUs).c_str(),
            rfc3339(c.lastUs).c_str());
    for (std::size_t h = 0; h < c.exampleHosts.size(); ++h) {
      if (h != 0) out += "<br>";
      appendText(c.exampleHosts[h], out);
    }
    if (c.hosts > c.exampleHosts.size())
      appendf(out, "<br>+%llu more", (unsigned long long)(c.hosts - c.exampleHosts.size()));
    out += "</td></tr>\n";
  }
  out += "</table>\n</body>\n</html>\n";
  return out;
}

}  // namespace ncxdp
