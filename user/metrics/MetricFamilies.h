// Builds the metric families of one scrape: each family is added in the order a reader meets it
// and samples go straight into it. Shared by every collector (receiver, triage).
#pragma once

#include <deque>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

namespace ncxdp {

class MetricFamilies {
 public:
  using Labels = std::vector<prometheus::ClientMetric::Label>;

  // The returned reference stays valid while more families are added.
  prometheus::MetricFamily& counter(std::string name, std::string help);
  prometheus::MetricFamily& gauge(std::string name, std::string help);
  // A counter or gauge sample, by the family's type.
  static void sample(prometheus::MetricFamily& family, Labels labels, double value);
  // Everything added so far, leaving this empty. A family without samples (no AF_XDP sockets, no
  // sinks) is left out rather than exported as a HELP line with nothing under it.
  std::vector<prometheus::MetricFamily> take();

 private:
  prometheus::MetricFamily& add(std::string name, std::string help, prometheus::MetricType type);
  // A deque, so the references handed out stay valid while more families are added.
  std::deque<prometheus::MetricFamily> out_;
};

}  // namespace ncxdp
