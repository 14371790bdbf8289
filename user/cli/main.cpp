// ncxdp entry point: parse the command line, build outputs -> pipeline -> capture, then let the
// main thread wait on signals until capture and outputs have finished.
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "capture/PcapReplay.h"
#include "capture/SocketListener.h"
#include "capture/XdpProgram.h"
#include "capture/XskCapture.h"
#include "cli/Options.h"
#include "cli/Signals.h"
#include "cli/SinkFactory.h"
#include "cli/Tail.h"
#include "cli/TriageCommand.h"
#include "metrics/MetricsEndpoint.h"
#include "metrics/MetricsTextfile.h"
#include "metrics/ReceiverMetrics.h"
#include "pipeline/Pipeline.h"
#include "sink/Sink.h"
#include "triage/JsonReport.h"
#include "triage/TextReport.h"
#include "triage/TriageSink.h"

namespace ncxdp {
namespace {

constexpr int kSignalPollMs = 100;
// node_exporter reads the textfile at its own scrape interval; rewriting it more often than this
// only costs disk writes.
constexpr auto kTextfileInterval = std::chrono::seconds(5);

// --metrics / --metrics-textfile, alive from before capture starts until after it has drained.
struct MetricsOutputs {
  std::shared_ptr<ReceiverMetrics> collector;
  std::unique_ptr<MetricsEndpoint> endpoint;
  std::unique_ptr<MetricsTextfile> textfile;
  std::chrono::steady_clock::time_point lastWrite;
  std::string lastError;

  // Rewrites the textfile; reports a failure once until it clears, and never stops capture.
  void writeTextfile(const char* cmd) {
    if (!textfile) return;
    lastWrite = std::chrono::steady_clock::now();
    const std::string error = textfile->write();
    if (!error.empty() && error != lastError)
      std::fprintf(stderr, "ncxdp %s: --metrics-textfile: %s\n", cmd, error.c_str());
    lastError = error;
  }
};

// Throws std::runtime_error when the address cannot be bound or the textfile cannot be written.
MetricsOutputs startMetrics(const Options& opts, LiveCapture& capture, const Pipeline& pipeline,
                            const TriageSink* triage) {
  MetricsOutputs out;
  if (opts.metricsAddress.empty() && opts.metricsTextfile.empty()) return out;
  // Each lane ranks its own senders; the collector keeps the busiest of their union.
  capture.publishSources(opts.metricsSources);
  out.collector =
      std::make_shared<ReceiverMetrics>(capture, pipeline, opts.commandName(), opts.metricsSources);
  out.collector->setTriage(triage);
  if (!opts.metricsAddress.empty()) {
    out.endpoint = std::make_unique<MetricsEndpoint>(opts.metricsAddress, out.collector);
    if (opts.verbose)
      std::fprintf(stderr, "ncxdp %s: metrics at http://%s/metrics\n", opts.commandName(),
                   opts.metricsAddress.c_str());
  }
  if (!opts.metricsTextfile.empty())
    out.textfile = std::make_unique<MetricsTextfile>(opts.metricsTextfile, out.collector);
  return out;
}

std::string mib(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / double(1 << 20));
  return text;
}

// attach: the exit summary's lines for the XDP program, the AF_XDP sockets and the burst buffers.
void printAttachSummary(const XskCapture& xsk, const CaptureStats& stats, bool verbose) {
  const AttachStats c = stats.commandStatsOrZero<AttachStats>();
  const XdpCounters x = xsk.programCounters();
  std::fprintf(stderr,
               "  xdp: %" PRIu64 " seen, %" PRIu64 " matched, %" PRIu64 " redirected, %" PRIu64
               " passed, %" PRIu64 " not allowed, %" PRIu64 " malformed, %" PRIu64 " ip fragments\n",
               x.seen, x.matched, x.redirected, x.passed, x.notAllowed, x.malformed, x.ipFragment);
  std::fprintf(stderr,
               "  af_xdp: %" PRIu64 " rx dropped, %" PRIu64 " rx ring full, %" PRIu64 " fill ring empty\n",
               c.xskRxDropped, c.xskRxRingFull, c.xskFillRingEmpty);
  const XskLiveStats live = xsk.liveStats();
  const BurstBufferStats& b = live.burst;
  // Every queue's buffer has the same size; the deepest is the queue that came closest to full.
  const std::uint64_t perQueue = xsk.laneCount() == 0 ? 0 : b.capacity / xsk.laneCount();
  std::fprintf(stderr,
               "  burst buffer: %s per queue, %zu queue(s), deepest %s (%.1f%%), %" PRIu64
               " datagrams, %" PRIu64 " dropped full, %" PRIu64 " dropped oversize\n",
               mib(perQueue).c_str(), xsk.laneCount(), mib(b.highWaterBytes).c_str(),
               perQueue == 0 ? 0.0 : 100.0 * double(b.highWaterBytes) / double(perQueue), b.datagrams, b.full,
               b.oversize);
  if (!verbose || xsk.laneCount() < 2) return;
  for (std::size_t i = 0; i < xsk.laneCount(); ++i) {
    const BurstBufferStats q = xsk.burstStats(i);
    std::fprintf(stderr,
                 "  burst buffer queue %u: %s, deepest %s, %" PRIu64 " datagrams, %" PRIu64
                 " dropped full, %" PRIu64 " dropped oversize\n",
                 xsk.laneId(i), mib(q.capacity).c_str(), mib(q.highWaterBytes).c_str(), q.datagrams, q.full,
                 q.oversize);
  }
}

// attach on a terminal: one line rewritten in place each second.
void printStatusLine(const XskLiveStats& now, const XskLiveStats& before, double seconds) {
  const double rate = seconds > 0 ? double(now.received - before.received) / seconds : 0.0;
  std::fprintf(stderr,
               "\r%.0f datagrams/s, %" PRIu64 " records, buffered %s, drops: %" PRIu64
               " rx ring full, %" PRIu64 " fill ring empty, %" PRIu64 " buffer full, %" PRIu64 " other   ",
               rate, now.records, mib(now.burst.usedBytes).c_str(), now.xsk.rxRingFull, now.xsk.fillRingEmpty,
               now.burst.full + now.burst.oversize, now.xsk.rxDropped);
  std::fflush(stderr);
}

// "jsonl (/var/log/nc.jsonl)": which of several --out an exit message is about.
std::string outputName(const SinkReport& s) {
  return s.target.empty() ? s.name : s.name + " (" + s.target + ")";
}

void printSummary(const Options& opts, const CaptureStats& c, const PipelineStats& p) {
  std::uint64_t ringDrops = 0;
  for (const RingStats& r : p.rings) ringDrops += r.drops + r.oversize;
  const DecoderStats& d = c.decoder;
  // Each command has only its own counters; the lines below show the others as zeros.
  const ListenStats listen = c.commandStatsOrZero<ListenStats>();
  const ReplayStats replay = c.commandStatsOrZero<ReplayStats>();
  const AttachStats attach = c.commandStatsOrZero<AttachStats>();
  const FrameStats frames = c.frames();
  std::fprintf(
      stderr,
      "ncxdp %s: %" PRIu64 " datagrams, %" PRIu64 " records (%" PRIu64 " plain, %" PRIu64
      " extended), %" PRIu64 " gaps (%" PRIu64 " missing), %" PRIu64 " incomplete, %" PRIu64 " dropped\n",
      opts.commandName(), d.datagrams, d.recordsPlain + d.recordsExtended, d.recordsPlain, d.recordsExtended,
      d.seqGaps + d.msgidGaps, d.seqMissing + d.msgidMissing, d.messagesIncomplete,
      ringDrops + listen.socketDrops + c.truncated + attach.xskRxDropped + attach.xskRxRingFull +
          attach.xskFillRingEmpty + attach.burstFull + attach.burstOversize);
  if (!opts.verbose) return;
  std::fprintf(stderr,
               "  capture: %" PRIu64 " received, %" PRIu64 " truncated, %" PRIu64 " socket drops, %" PRIu64
               " receive errors, %" PRIu64 " not udp, %" PRIu64 " ip fragments, %" PRIu64
               " malformed frames, %" PRIu64 " other ports\n",
               c.received, c.truncated, listen.socketDrops, listen.recvErrors, frames.notUdp,
               frames.ipFragments, frames.malformed, replay.filtered);
  std::fprintf(stderr,
               "  decoder: %" PRIu64 " bytes, %" PRIu64 " fragments (%" PRIu64 " duplicate), %" PRIu64
               " reassembled, %" PRIu64 " over memory cap, %" PRIu64 " malformed, %" PRIu64 " empty, %" PRIu64
               " idle lines, %" PRIu64 " split lines, %" PRIu64 " kernel-dropped, %" PRIu64
               " evicted, %" PRIu64 " format switches, %" PRIu64 " sources\n",
               d.bytes, d.fragments, d.fragmentsDuplicate, d.messagesReassembled, d.reasmOverCap, d.malformed,
               d.emptyDatagrams, d.linesIdleFlushed, d.linesSplit, d.kernelDropped, d.sourcesEvicted,
               d.formatSwitches, c.sources);
  std::fprintf(stderr,
               "  decoder memory: %" PRIu64 " KiB budget; emitted early: %" PRIu64 " lines, %" PRIu64
               " messages at --max-sources, %" PRIu64 " lines, %" PRIu64
               " messages at --decoder-memory; %" PRIu64 " idle flushes paced\n",
               d.memoryLimit >> 10, d.linesEvictedSources, d.messagesEvictedSources, d.linesEvictedMemory,
               d.messagesEvictedMemory, d.flushPaced);
  for (std::size_t i = 0; i < p.rings.size(); ++i)
    std::fprintf(stderr,
                 "  ring %zu: %" PRIu64 " KiB, %" PRIu64 " written, %" PRIu64 " full drops, %" PRIu64
                 " oversize\n",
                 i, p.rings[i].capacity >> 10, p.rings[i].written, p.rings[i].drops, p.rings[i].oversize);
  for (const SinkReport& s : p.sinks) {
    const SinkStats& st = s.stats;
    std::string detail = s.delivery ? std::to_string(s.delivery->delivered) + " delivered, " +
                                          std::to_string(s.delivery->spilled) + " spilled"
                                    : std::to_string(st.written) + " written";
    detail += ", " + std::to_string(st.dropped.total()) + " lost";
    if (st.dropped.total() != 0) detail += " (" + st.dropped.text() + ")";
    std::fprintf(stderr, "  out %s: %" PRIu64 " records, %s, %" PRIu64 " write errors%s%s\n", s.name.c_str(),
                 st.records, detail.c_str(), st.writeErrors, s.target.empty() ? "" : "; ", s.target.c_str());
  }
}

// --triage: what the clustering found, on stderr; the full JSON report to --triage-report.
int finishLiveTriage(const Options& opts, const TriageSink& sink) {
  const TriageReport report = sink.triage().report();
  constexpr std::size_t kSummaryClusters = 10;
  std::string text = "ncxdp " + std::string(opts.commandName()) + " --triage: ";
  text += TextReport::render(sink.triage().report(kSummaryClusters))
              .substr(std::string_view("ncxdp triage: ").size());
  std::fputs(text.c_str(), stderr);
  if (opts.triageReport.empty()) return 0;
  const std::string tmp = opts.triageReport + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  const std::string json = JsonReport::render(report);
  if (f == nullptr || std::fwrite(json.data(), 1, json.size(), f) != json.size() || std::fclose(f) != 0 ||
      std::rename(tmp.c_str(), opts.triageReport.c_str()) != 0) {
    std::fprintf(stderr, "ncxdp %s: cannot write the triage report to %s\n", opts.commandName(),
                 opts.triageReport.c_str());
    return 1;
  }
  return 0;
}

int run(Options opts) {
  const char* cmd = opts.commandName();
  if (opts.command == Command::Triage) return TriageCommand::run(opts.triage);
  if (opts.command == Command::Attach) {
    XdpProgram::routeLibraryLogs(opts.verbose);
    std::uint32_t available = 0;
    try {
      available = XskCapture::rxQueueCount(opts.attach.ifname);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ncxdp %s: %s\n", cmd, e.what());
      return 1;
    }
    try {
      opts.attach.queues = XskCapture::parseQueues(opts.attachQueues, available);
      if (!opts.xskRingGiven) opts.attach.ringSize = XskCapture::defaultRingSize(opts.attach.queues.size());
      XskCapture::burstBufferPerQueue(opts.attach.burstBufferBytes, opts.attach.queues.size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ncxdp %s: %s\n", cmd, e.what());
      return 2;
    }
  }
  // First, before any thread exists, so every thread inherits the blocked signal mask.
  Signals signals;

  std::vector<std::unique_ptr<Sink>> sinks;
  try {
    for (const std::string& spec : opts.outputs) sinks.push_back(makeSink(spec));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ncxdp %s: %s\n", cmd, e.what());
    return 2;
  }

  // An extra output on the sink thread: capture and the other outputs do not change.
  TriageSink* triageSink = nullptr;
  if (opts.liveTriage) {
    auto sink = std::make_unique<TriageSink>();
    triageSink = sink.get();
    sinks.push_back(std::move(sink));
  }

  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<Capture> capture;
  // Declared after what it reads, so it is destroyed (its HTTP thread stopped) first.
  MetricsOutputs metrics;
  try {
    pipeline = std::make_unique<Pipeline>(opts.captureThreads(), opts.ringBytes, std::move(sinks));
    if (opts.command == Command::Listen)
      capture = std::make_unique<SocketListener>(opts.listen, *pipeline);
    else if (opts.command == Command::Attach)
      capture = std::make_unique<XskCapture>(opts.attach, *pipeline);
    else
      capture = std::make_unique<PcapReplay>(opts.replay, *pipeline);
    if (auto* live = dynamic_cast<LiveCapture*>(capture.get()))
      metrics = startMetrics(opts, *live, *pipeline, triageSink);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ncxdp %s: %s\n", cmd, e.what());
    return 1;
  }

  const auto* xsk = dynamic_cast<const XskCapture*>(capture.get());
  const bool statusLine = xsk != nullptr && isatty(STDERR_FILENO);
  XskLiveStats lastLive;
  auto lastStatus = std::chrono::steady_clock::now();

  pipeline->start();
  capture->start();
  metrics.writeTextfile(cmd);
  bool stopping = false;
  // The main thread only reacts to signals; capture threads end on stop or at end of input, and
  // the sink thread once they all have and the rings are empty.
  while (!(capture->finished() && pipeline->drained())) {
    switch (signals.wait(kSignalPollMs)) {
      case SignalEvent::Stop:
        if (stopping) {
          // A second Ctrl-C means the user does not want to wait for the outputs.
          std::fprintf(stderr, "ncxdp %s: interrupted again, exiting without flushing\n", cmd);
          std::fflush(stderr);
          _exit(1);
        }
        stopping = true;
        capture->requestStop();
        break;
      case SignalEvent::Reopen:
        if (opts.verbose) std::fprintf(stderr, "ncxdp %s: SIGHUP, reopening outputs\n", cmd);
        pipeline->requestReopen();
        break;
      case SignalEvent::None:
        break;
    }
    if (metrics.textfile && std::chrono::steady_clock::now() - metrics.lastWrite >= kTextfileInterval)
      metrics.writeTextfile(cmd);
    if (statusLine && !stopping) {
      const auto now = std::chrono::steady_clock::now();
      if (now - lastStatus >= std::chrono::seconds(1)) {
        const XskLiveStats live = xsk->liveStats();
        printStatusLine(live, lastLive, std::chrono::duration<double>(now - lastStatus).count());
        lastLive = live;
        lastStatus = now;
      }
    }
  }
  if (statusLine) std::fputc('\n', stderr);
  capture->join();
  pipeline->finish();
  // The file keeps the final counts after exit, for whoever looks after an incident.
  metrics.writeTextfile(cmd);

  const CaptureStats captureStats = capture->stats();
  const PipelineStats pipelineStats = pipeline->stats();
  if (opts.verbose || isatty(STDERR_FILENO)) {
    printSummary(opts, captureStats, pipelineStats);
    if (xsk != nullptr) printAttachSummary(*xsk, captureStats, opts.verbose);
  }

  int rc = 0;
  if (triageSink != nullptr) rc = finishLiveTriage(opts, *triageSink);
  if (const std::string error = capture->error(); !error.empty()) {
    std::fprintf(stderr, "ncxdp %s: %s\n", cmd, error.c_str());
    rc = 1;
  }
  for (const SinkReport& s : pipelineStats.sinks) {
    if (s.delivery && s.delivery->spilled != 0) {
      // Not lost, but not where the operator expects it either: say so and fail the run.
      std::fprintf(stderr, "ncxdp %s: output %s: %" PRIu64 " records not delivered, kept in the spill file\n",
                   cmd, s.name.c_str(), s.delivery->spilled);
      rc = 1;
    }
    const std::uint64_t lost = s.stats.dropped.total();
    if (lost == 0 && s.stats.writeErrors == 0) continue;
    // Counted in records, by cause (README "Loss accounting"); the output holds whole records only.
    if (lost != 0)
      std::fprintf(stderr, "ncxdp %s: output %s: %" PRIu64 " of %" PRIu64 " records lost (%s)\n", cmd,
                   outputName(s).c_str(), lost, s.stats.records, s.stats.dropped.text().c_str());
    else
      std::fprintf(stderr, "ncxdp %s: output %s: %" PRIu64 " failed writes, no record lost\n", cmd,
                   outputName(s).c_str(), s.stats.writeErrors);
    rc = 1;
  }
  if (pipelineStats.sinkFailed || pipelineStats.corrupt != 0) rc = 1;
  return rc;
}

}  // namespace
}  // namespace ncxdp

int main(int argc, char** argv) {
  ncxdp::Options opts;
  if (int rc = ncxdp::parseOptions(argc, argv, opts); rc >= 0) return rc;
  if (opts.command == ncxdp::Command::Tail) return ncxdp::runTail(opts.tail);
  if (opts.command == ncxdp::Command::SenderConfig) return ncxdp::SenderConfig::run(opts.senderConfig);
  try {
    return ncxdp::run(opts);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ncxdp %s: %s\n", opts.commandName(), e.what());
    return 1;
  }
}
