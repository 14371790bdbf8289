// libFuzzer target for the triage core: the line classifier, the event detector with its caps,
// signatures, clustering and the three report renderers. The input is kernel log text, one line per
// '\n'; a line starting with a byte below 0x20 picks its sender (bits 2-4) and printk caller id
// (bits 0-1) and advances the clock, so the fuzzer reaches interleaving, eviction and idle expiry.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "triage/HtmlReport.h"
#include "triage/JsonReport.h"
#include "triage/TextReport.h"
#include "triage/Triage.h"

namespace {

constexpr const char* kCallers[] = {"", "T1", "T2", "C0"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ncxdp::TriageConfig config;
  // Small caps so every bound is hit quickly.
  config.detector.maxSources = 4;
  config.detector.maxOpenPerSource = 2;
  config.detector.maxOpenTotal = 3;
  config.detector.idleUs = 2'000'000;
  config.detector.event.maxLines = 40;
  config.detector.event.maxStacks = 2;
  config.detector.event.maxFramesPerStack = 4;
  config.cluster.maxClusters = 5;
  config.cluster.maxHosts = 6;
  config.cluster.exampleHosts = 2;
  config.cluster.releasesPerCluster = 2;
  ncxdp::Triage triage(config);

  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::uint64_t now = 1'000'000;
  ncxdp::Record record;
  while (!in.empty()) {
    const std::size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
    unsigned control = 0;
    if (!line.empty() && static_cast<unsigned char>(line[0]) < 0x20) {
      control = static_cast<unsigned char>(line[0]);
      line.remove_prefix(1);
      now += (control >> 3) * 700'000;  // sometimes past the idle timeout
    }
    now += 1000;
    record.src = ncxdp::Source::ipv4(0x0a000000u | ((control >> 2) & 7), 6665);
    record.recvTsUs = now;
    record.tsUsec = now / 3;
    record.caller = kCallers[control & 3];
    record.text = line;
    triage.onRecord(record);
    if (triage.detector().openEvents() > config.detector.maxOpenTotal) abort();
    if (triage.detector().sourceCount() > config.detector.maxSources) abort();
  }
  triage.finish();
  if (triage.detector().openEvents() != 0) abort();
  const ncxdp::TriageReport report = triage.report();
  if (report.clusters.size() > config.cluster.maxClusters) abort();
  std::uint64_t byKind = 0;
  for (std::uint64_t n : report.eventsByKind) byKind += n;
  if (byKind != report.events) abort();
  for (const auto& c : report.clusters) {
    if (c.exampleHosts.size() > config.cluster.exampleHosts ||
        c.releases.size() > config.cluster.releasesPerCluster)
      abort();
    if (c.frames.size() > report.topFrames) abort();
  }
  const std::size_t total = ncxdp::TextReport::render(report).size() +
                            ncxdp::JsonReport::render(report).size() +
                            ncxdp::HtmlReport::render(report).size();
  return total == 0 ? 1 : 0;
}
