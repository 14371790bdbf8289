#include "triage/Triage.h"

namespace ncxdp {

namespace {
// How often (in record time) reports of silent senders are looked for.
constexpr std::uint64_t kExpireEveryUs = 1'000'000;
}  // namespace

Triage::Triage(TriageConfig config) : detector_(config.detector), clusterer_(config.cluster) {}

void Triage::onRecord(const Record& record) {
  if (record.kind != RecordKind::Message) return;
  ++records_;
  clusterer_.noteSource(record.src);
  LineContext ctx;
  ctx.src = record.src;
  ctx.recvUs = record.recvTsUs;
  ctx.tsUsec = record.tsUsec;
  ctx.caller = record.caller;
  if (record.release) ctx.release = *record.release;
  // A record is one printk call; most are one line, some (pr_cont joins, embedded newlines) more.
  std::string_view text = record.text;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (!line.empty()) detector_.line(ctx, line, clusterer_);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  if (record.recvTsUs >= lastExpireUs_ + kExpireEveryUs) {
    detector_.expire(record.recvTsUs, clusterer_);
    lastExpireUs_ = record.recvTsUs;
  }
}

void Triage::expire(std::uint64_t nowUs) {
  detector_.expire(nowUs, clusterer_);
}

void Triage::finish() {
  detector_.flush(clusterer_);
}

TriageReport Triage::report(std::size_t top) const {
  TriageReport r = clusterer_.report(top);
  const DetectorStats& d = detector_.stats();
  r.records = records_;
  r.lines = d.lines;
  r.duplicates = d.duplicates;
  r.sourcesEvicted = d.sourcesEvicted;
  return r;
}

}  // namespace ncxdp
