#include "metrics/TriageMetrics.h"

#include <string>

namespace ncxdp {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

void sample(MetricFamily& family, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (family.type == MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  family.metric.push_back(std::move(m));
}

}  // namespace

std::vector<MetricFamily> TriageMetrics::families(const TriageLiveStats& s) {
  std::vector<MetricFamily> out;
  MetricFamily events{"ncxdp_triage_events_total",
                      "Kernel reports found (--triage), by kind: panic, oops, bug, warning, soft_lockup, "
                      "hard_lockup, hung_task, rcu_stall, oom_kill, machine_check",
                      MetricType::Counter,
                      {}};
  for (EventKind kind : kAllEventKinds)
    sample(events, {{"kind", std::string(kindName(kind))}},
           double(s.eventsByKind[static_cast<std::size_t>(kind)]));
  out.push_back(std::move(events));

  MetricFamily clusters{"ncxdp_triage_clusters",
                        "Distinct bugs (signatures) among the kernel reports found",
                        MetricType::Gauge,
                        {}};
  sample(clusters, {}, double(s.clusters));
  out.push_back(std::move(clusters));

  MetricFamily hosts{"ncxdp_triage_hosts",
                     "Senders by triage state: seen (sent anything), affected (sent a kernel report), "
                     "panicked (sent a panic, or a report that ended in one)",
                     MetricType::Gauge,
                     {}};
  sample(hosts, {{"state", "seen"}}, double(s.hostsSeen));
  sample(hosts, {{"state", "affected"}}, double(s.hostsAffected));
  sample(hosts, {{"state", "panicked"}}, double(s.hostsPanicked));
  out.push_back(std::move(hosts));

  MetricFamily open{
      "ncxdp_triage_open_reports", "Kernel reports still being assembled", MetricType::Gauge, {}};
  sample(open, {}, double(s.openEvents));
  out.push_back(std::move(open));

  MetricFamily skipped{"ncxdp_triage_reports_skipped_total",
                       "Reports not counted as new events, by reason: duplicate (a replayed copy, e.g. a "
                       "netconsole target registered at boot resending the log)",
                       MetricType::Counter,
                       {}};
  sample(skipped, {{"reason", "duplicate"}}, double(s.duplicates));
  out.push_back(std::move(skipped));

  MetricFamily truncated{"ncxdp_triage_reports_truncated_total",
                         "Reports closed before their end by a memory bound (still counted as events)",
                         MetricType::Counter,
                         {}};
  sample(truncated, {}, double(s.truncated));
  out.push_back(std::move(truncated));
  return out;
}

}  // namespace ncxdp
