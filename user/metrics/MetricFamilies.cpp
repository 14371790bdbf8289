#include "metrics/MetricFamilies.h"

#include <utility>

namespace ncxdp {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily& MetricFamilies::counter(std::string name, std::string help) {
  return add(std::move(name), std::move(help), MetricType::Counter);
}

MetricFamily& MetricFamilies::gauge(std::string name, std::string help) {
  return add(std::move(name), std::move(help), MetricType::Gauge);
}

void MetricFamilies::sample(MetricFamily& family, Labels labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (family.type == MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  family.metric.push_back(std::move(m));
}

std::vector<MetricFamily> MetricFamilies::take() {
  std::vector<MetricFamily> out;
  for (MetricFamily& family : out_)
    if (!family.metric.empty()) out.push_back(std::move(family));
  out_.clear();
  return out;
}

MetricFamily& MetricFamilies::add(std::string name, std::string help, MetricType type) {
  out_.push_back({std::move(name), std::move(help), type, {}});
  return out_.back();
}

}  // namespace ncxdp
