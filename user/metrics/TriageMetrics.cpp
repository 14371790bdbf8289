#include "metrics/TriageMetrics.h"

#include <string>

#include "metrics/MetricFamilies.h"

namespace ncxdp {

std::vector<prometheus::MetricFamily> TriageMetrics::families(const TriageLiveStats& s) {
  MetricFamilies f;
  prometheus::MetricFamily& events =
      f.counter("ncxdp_triage_events_total",
                "Kernel reports found (--triage), by kind: panic, oops, bug, warning, soft_lockup, "
                "hard_lockup, hung_task, rcu_stall, oom_kill, machine_check");
  for (EventKind kind : kAllEventKinds)
    MetricFamilies::sample(events, {{"kind", std::string(kindName(kind))}},
                           double(s.eventsByKind[static_cast<std::size_t>(kind)]));
  MetricFamilies::sample(
      f.gauge("ncxdp_triage_clusters", "Distinct bugs (signatures) among the kernel reports found"), {},
      double(s.clusters));
  prometheus::MetricFamily& hosts =
      f.gauge("ncxdp_triage_hosts",
              "Senders by triage state: seen (sent anything), affected (sent a kernel report), "
              "panicked (sent a panic, or a report that ended in one)");
  MetricFamilies::sample(hosts, {{"state", "seen"}}, double(s.hostsSeen));
  MetricFamilies::sample(hosts, {{"state", "affected"}}, double(s.hostsAffected));
  MetricFamilies::sample(hosts, {{"state", "panicked"}}, double(s.hostsPanicked));
  MetricFamilies::sample(f.gauge("ncxdp_triage_open_reports", "Kernel reports still being assembled"), {},
                         double(s.openEvents));
  MetricFamilies::sample(
      f.counter("ncxdp_triage_reports_skipped_total",
                "Reports not counted as new events, by reason: duplicate (a replayed copy, e.g. a "
                "netconsole target registered at boot resending the log)"),
      {{"reason", "duplicate"}}, double(s.duplicates));
  MetricFamilies::sample(
      f.counter("ncxdp_triage_reports_truncated_total",
                "Reports closed before their end by a memory bound (still counted as events)"),
      {}, double(s.truncated));
  return f.take();
}

}  // namespace ncxdp
