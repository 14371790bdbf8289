// `--triage` on listen, attach and replay: the triage engine as one more output of the pipeline.
// It runs on the sink thread like every sink, after the capture path and the rings, so capture is
// untouched; what it costs is sink-thread time per record. Counters are published at the end of
// every batch for other threads (the exit summary, metrics); the full report is read once the
// pipeline has finished.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "sink/Sink.h"
#include "triage/Triage.h"

namespace ncxdp {

struct TriageLiveStats {
  std::uint64_t records = 0;
  std::uint64_t events = 0;
  std::array<std::uint64_t, kEventKindCount> eventsByKind{};
  std::uint64_t clusters = 0;
  std::uint64_t hostsSeen = 0;
  std::uint64_t hostsAffected = 0;
  std::uint64_t hostsPanicked = 0;
  std::uint64_t openEvents = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t truncated = 0;
};

class TriageSink final : public Sink {
 public:
  explicit TriageSink(TriageConfig config = {}) : triage_(config) {}

  void write(const Record& record) override;
  void flush() override { publish(); }
  // End of capture: every report still open is finished and counted.
  void close() override;
  std::string_view name() const override { return "triage"; }

  // Any thread: the counters as of the end of the last batch.
  TriageLiveStats liveStats() const;
  // Only after the pipeline finished (its sink thread is gone).
  const Triage& triage() const { return triage_; }

 private:
  void publish();

  Triage triage_;
  std::atomic<std::uint64_t> records_{0};
  std::atomic<std::uint64_t> events_{0};
  std::array<std::atomic<std::uint64_t>, kEventKindCount> byKind_{};
  std::atomic<std::uint64_t> clusters_{0};
  std::atomic<std::uint64_t> hostsSeen_{0};
  std::atomic<std::uint64_t> hostsAffected_{0};
  std::atomic<std::uint64_t> hostsPanicked_{0};
  std::atomic<std::uint64_t> open_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> truncated_{0};
};

}  // namespace ncxdp
