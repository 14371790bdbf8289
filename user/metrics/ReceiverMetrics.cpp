#include "metrics/ReceiverMetrics.h"

#include <algorithm>
#include <ctime>
#include <string>
#include <utility>

#include "capture/LiveCapture.h"
#include "capture/XskCapture.h"
#include "metrics/MetricFamilies.h"
#include "metrics/TriageMetrics.h"
#include "pipeline/Pipeline.h"

namespace ncxdp {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = MetricFamilies::Labels;

double unixNow() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

void addCaptureFamilies(MetricFamilies& f, const MetricsSnapshot& s) {
  MetricFamily& datagrams = f.counter(
      "ncxdp_received_datagrams_total",
      "Datagrams (attach: frames from the AF_XDP RX ring; listen: datagrams from the sockets) read, by "
      "path and queue (attach: RX queue; listen: receive thread)");
  MetricFamily& bytes =
      f.counter("ncxdp_received_bytes_total", "UDP payload bytes handed to the decoder, by path and queue");
  MetricFamily& discarded = f.counter(
      "ncxdp_capture_discarded_total",
      "Frames read but not decoded, by reason: truncated (larger than the receive buffer), not_udp, "
      "ip_fragment, malformed (invalid header)");
  for (const LaneMetrics& lane : s.lanes) {
    const Labels at{{"path", s.path}, {"queue", std::to_string(lane.queue)}};
    MetricFamilies::sample(datagrams, at, double(lane.stats.received));
    MetricFamilies::sample(bytes, at, double(lane.stats.decoder.bytes));
    const FrameStats frames = lane.stats.frames();  // zeros for listen
    const std::pair<const char*, std::uint64_t> reasons[] = {{"truncated", lane.stats.truncated},
                                                             {"not_udp", frames.notUdp},
                                                             {"ip_fragment", frames.ipFragments},
                                                             {"malformed", frames.malformed}};
    for (const auto& [reason, value] : reasons) {
      Labels l = at;
      l.push_back({"reason", reason});
      MetricFamilies::sample(discarded, std::move(l), double(value));
    }
  }
  if (s.path == "socket") {
    MetricFamily& drops = f.counter(
        "ncxdp_socket_dropped_datagrams_total",
        "Datagrams the kernel dropped because a socket's receive buffer was full (SO_RXQ_OVFL), by queue");
    MetricFamily& errors =
        f.counter("ncxdp_socket_receive_errors_total", "Failed receive calls on the sockets, by queue");
    for (const LaneMetrics& lane : s.lanes) {
      const Labels at{{"queue", std::to_string(lane.queue)}};
      const ListenStats listen = lane.stats.commandStatsOrZero<ListenStats>();
      MetricFamilies::sample(drops, at, double(listen.socketDrops));
      MetricFamilies::sample(errors, at, double(listen.recvErrors));
    }
  }
  MetricFamily& xsk = f.counter(
      "ncxdp_xsk_dropped_frames_total",
      "Frames the kernel dropped before an AF_XDP socket's RX ring (XDP_STATISTICS), by queue and reason: "
      "rx_ring_full (ncxdp fell behind), fill_ring_empty (no free frame), invalid_descriptor, other");
  for (const LaneMetrics& lane : s.lanes) {
    if (!lane.hasSocketStats) continue;
    const std::string queue = std::to_string(lane.queue);
    // The kernel counts a drop for want of a fill-ring entry in rx_dropped too; "other" is the rest.
    const std::uint64_t other =
        lane.xsk.rxDropped > lane.xsk.fillRingEmpty ? lane.xsk.rxDropped - lane.xsk.fillRingEmpty : 0;
    const std::pair<const char*, std::uint64_t> reasons[] = {{"rx_ring_full", lane.xsk.rxRingFull},
                                                             {"fill_ring_empty", lane.xsk.fillRingEmpty},
                                                             {"invalid_descriptor", lane.xsk.rxInvalidDescs},
                                                             {"other", other}};
    for (const auto& [reason, value] : reasons)
      MetricFamilies::sample(xsk, {{"queue", queue}, {"reason", reason}}, double(value));
  }
  bool anyUmem = false;
  for (const LaneMetrics& lane : s.lanes) anyUmem = anyUmem || lane.umemBytes != 0;
  if (!anyUmem) return;
  MetricFamily& umem =
      f.gauge("ncxdp_xsk_umem_bytes",
              "Packet memory (UMEM) of each queue's AF_XDP socket: --xsk-ring frames of 2 KiB, "
              "pinned for the kernel to receive into");
  for (const LaneMetrics& lane : s.lanes)
    if (lane.umemBytes != 0)
      MetricFamilies::sample(umem, {{"queue", std::to_string(lane.queue)}}, double(lane.umemBytes));
}

// attach: what waits between each queue's capture thread and its decoder, and what did not fit.
void addBurstBufferFamilies(MetricFamilies& f, const MetricsSnapshot& s) {
  bool any = false;
  for (const LaneMetrics& lane : s.lanes) any = any || lane.hasBurstBuffer;
  if (!any) return;
  MetricFamily& capacity = f.gauge("ncxdp_burst_buffer_capacity_bytes",
                                   "Size of each RX queue's burst buffer (datagrams waiting to be decoded)");
  MetricFamily& used =
      f.gauge("ncxdp_burst_buffer_used_bytes",
              "Bytes waiting in each queue's burst buffer: how far decoding is behind capture");
  MetricFamily& highWater = f.gauge("ncxdp_burst_buffer_high_water_bytes",
                                    "The most bytes each queue's burst buffer has held since start");
  MetricFamily& datagrams =
      f.counter("ncxdp_burst_buffer_datagrams_total", "Datagrams put in each queue's burst buffer");
  MetricFamily& dropped = f.counter(
      "ncxdp_burst_buffer_dropped_datagrams_total",
      "Datagrams lost at a queue's burst buffer, by reason: full (decoding and outputs too slow for that "
      "long) or oversize (larger than the buffer can hold)");
  for (const LaneMetrics& lane : s.lanes) {
    if (!lane.hasBurstBuffer) continue;
    const std::string queue = std::to_string(lane.queue);
    MetricFamilies::sample(capacity, {{"queue", queue}}, double(lane.burst.capacity));
    MetricFamilies::sample(used, {{"queue", queue}}, double(lane.burst.usedBytes));
    MetricFamilies::sample(highWater, {{"queue", queue}}, double(lane.burst.highWaterBytes));
    MetricFamilies::sample(datagrams, {{"queue", queue}}, double(lane.burst.datagrams));
    MetricFamilies::sample(dropped, {{"queue", queue}, {"reason", "full"}}, double(lane.burst.full));
    MetricFamilies::sample(dropped, {{"queue", queue}, {"reason", "oversize"}}, double(lane.burst.oversize));
  }
}

void addXdpFamilies(MetricFamilies& f, const MetricsSnapshot& s) {
  if (!s.hasXdp) return;
  const XdpCounters& x = s.xdp;
  MetricFamilies::sample(
      f.counter("ncxdp_xdp_seen_packets_total", "Packets the XDP program saw on the interface"), {},
      double(x.seen));
  MetricFamily& verdicts = f.counter(
      "ncxdp_xdp_packets_total",
      "Packets by the XDP program's verdict: redirect (netconsole, to an AF_XDP socket) or pass (to the "
      "kernel stack), with the reason a packet passed: not_netconsole, not_allowed (source outside "
      "--allow), malformed, ip_fragment, no_socket (no socket on that queue). Sums to the seen packets");
  const std::uint64_t noSocket = x.matched > x.redirected ? x.matched - x.redirected : 0;
  MetricFamilies::sample(verdicts, {{"verdict", "redirect"}, {"reason", "netconsole"}}, double(x.redirected));
  const std::pair<const char*, std::uint64_t> passed[] = {{"not_netconsole", x.passed},
                                                          {"not_allowed", x.notAllowed},
                                                          {"malformed", x.malformed},
                                                          {"ip_fragment", x.ipFragment},
                                                          {"no_socket", noSocket}};
  for (const auto& [reason, value] : passed)
    MetricFamilies::sample(verdicts, {{"verdict", "pass"}, {"reason", reason}}, double(value));
}

void addDecoderFamilies(MetricFamilies& f, const MetricsSnapshot& s) {
  DecoderStats d;
  std::uint64_t sources = 0;
  for (const LaneMetrics& lane : s.lanes) {
    addDecoderStats(d, lane.stats.decoder);
    sources += lane.stats.sources;
  }
  MetricFamily& records =
      f.counter("ncxdp_records_total", "Records decoded, by format: plain or extended netconsole");
  MetricFamilies::sample(records, {{"format", "plain"}}, double(d.recordsPlain));
  MetricFamilies::sample(records, {{"format", "extended"}}, double(d.recordsExtended));
  MetricFamilies::sample(
      f.counter("ncxdp_records_dumped_total",
                "Extended records a sender's ncxdp_tx module replayed from its log ring after a "
                "panic or oops (ncxdp_dump=N), a subset of the extended records"),
      {}, double(d.recordsDumped));
  MetricFamily& errors =
      f.counter("ncxdp_decode_errors_total",
                "Datagrams that were not valid in their format, by reason: malformed (decoded as plain text "
                "instead, nothing lost) or empty");
  MetricFamilies::sample(errors, {{"reason", "malformed"}}, double(d.malformed));
  MetricFamilies::sample(errors, {{"reason", "empty"}}, double(d.emptyDatagrams));
  MetricFamilies::sample(f.counter("ncxdp_fragments_total", "Datagrams carrying an ncfrag fragment"), {},
                         double(d.fragments));
  MetricFamilies::sample(
      f.counter("ncxdp_fragments_duplicate_total", "Fragments whose bytes were all already held"), {},
      double(d.fragmentsDuplicate));
  MetricFamilies::sample(
      f.counter("ncxdp_messages_reassembled_total", "Fragmented messages completed from their fragments"), {},
      double(d.messagesReassembled));
  MetricFamilies::sample(f.counter("ncxdp_messages_incomplete_total",
                                   "Messages emitted with missing fragments (timeout or memory cap)"),
                         {}, double(d.messagesIncomplete));
  MetricFamilies::sample(f.counter("ncxdp_reassembly_evictions_total",
                                   "Messages emitted early because a reassembly memory cap was reached"),
                         {}, double(d.reasmOverCap));
  MetricFamily& lost = f.counter(
      "ncxdp_messages_lost_total",
      "Messages a sender sent that never arrived, counted from gaps in the extended header's seq or in "
      "sysdata msgid");
  MetricFamilies::sample(lost, {{"by", "seq"}}, double(d.seqMissing));
  MetricFamilies::sample(lost, {{"by", "msgid"}}, double(d.msgidMissing));
  MetricFamily& gaps = f.counter("ncxdp_gaps_total", "Gap events (one or more consecutive messages missing)");
  MetricFamilies::sample(gaps, {{"by", "seq"}}, double(d.seqGaps));
  MetricFamilies::sample(gaps, {{"by", "msgid"}}, double(d.msgidGaps));
  MetricFamilies::sample(
      f.counter("ncxdp_kernel_dropped_messages_total",
                "Messages senders' kernels reported dropping (\"** N printk messages dropped **\")"),
      {}, double(d.kernelDropped));
  MetricFamilies::sample(
      f.counter("ncxdp_lines_idle_flushed_total",
                "Plain lines emitted without their newline after --line-timeout of silence"),
      {}, double(d.linesIdleFlushed));
  MetricFamilies::sample(f.counter("ncxdp_format_switches_total",
                                   "Times a sender switched between plain and extended netconsole"),
                         {}, double(d.formatSwitches));
  MetricFamilies::sample(f.gauge("ncxdp_sources_active", "Senders currently tracked by the decoders"), {},
                         double(sources));
  MetricFamilies::sample(f.counter("ncxdp_sources_evicted_total",
                                   "Senders evicted (least recently active) to stay within --max-sources"),
                         {}, double(d.sourcesEvicted));
  MetricFamily& evictedEarly =
      f.counter("ncxdp_pending_evicted_total",
                "Pending state emitted before it was whole to stay within a limit, flagged incomplete: state "
                "line (a plain line without its newline) or message (missing fragments); reason max_sources "
                "(its sender was evicted) or memory (--decoder-memory)");
  MetricFamilies::sample(evictedEarly, {{"state", "line"}, {"reason", "max_sources"}},
                         double(d.linesEvictedSources));
  MetricFamilies::sample(evictedEarly, {{"state", "line"}, {"reason", "memory"}},
                         double(d.linesEvictedMemory));
  MetricFamilies::sample(evictedEarly, {{"state", "message"}, {"reason", "max_sources"}},
                         double(d.messagesEvictedSources));
  MetricFamilies::sample(evictedEarly, {{"state", "message"}, {"reason", "memory"}},
                         double(d.messagesEvictedMemory));
  MetricFamilies::sample(
      f.gauge("ncxdp_decoder_memory_bytes",
              "Bytes the decoders hold for partial lines and fragments waiting for the rest"),
      {}, double(d.pendingBytes));
  MetricFamilies::sample(f.gauge("ncxdp_decoder_memory_limit_bytes", "--decoder-memory, over all threads"),
                         {}, double(d.memoryLimit));
  MetricFamilies::sample(
      f.counter("ncxdp_idle_flush_paced_total",
                "Decoder ticks that left idle lines and fragments for the next tick because a ring was half "
                "full: a flush of many senders at once waits for the outputs instead of overflowing"),
      {}, double(d.flushPaced));
}

// Defined below, next to the other optional families.
void addRemoteSinkFamilies(MetricFamilies& f, const MetricsSnapshot& s);

void addPipelineFamilies(MetricFamilies& f, const MetricsSnapshot& s) {
  MetricFamily& capacity =
      f.gauge("ncxdp_ring_capacity_bytes", "Size of each ring between a capture thread and the outputs");
  MetricFamily& used =
      f.gauge("ncxdp_ring_used_bytes", "Bytes waiting in each ring: how far the outputs are behind capture");
  MetricFamily& written =
      f.counter("ncxdp_ring_records_total", "Entries (records and gap events) written into each ring");
  MetricFamily& dropped = f.counter(
      "ncxdp_ring_dropped_records_total",
      "Records lost at a ring, by reason: full (outputs too slow) or oversize (larger than the ring)");
  for (std::size_t i = 0; i < s.pipeline.rings.size(); ++i) {
    const RingStats& r = s.pipeline.rings[i];
    const std::string ring = std::to_string(i);
    MetricFamilies::sample(capacity, {{"ring", ring}}, double(r.capacity));
    MetricFamilies::sample(used, {{"ring", ring}}, double(r.usedBytes));
    MetricFamilies::sample(written, {{"ring", ring}}, double(r.written));
    MetricFamilies::sample(dropped, {{"ring", ring}, {"reason", "full"}}, double(r.drops));
    MetricFamilies::sample(dropped, {{"ring", ring}, {"reason", "oversize"}}, double(r.oversize));
  }
  MetricFamilies::sample(f.counter("ncxdp_ring_corrupt_records_total",
                                   "Ring entries that did not decode (a bug in ncxdp if ever non-zero)"),
                         {}, double(s.pipeline.corrupt));
  MetricFamily& sinkRecords =
      f.counter("ncxdp_sink_records_total",
                "Entries (records and gap events) handed to each output; output is its position among --out");
  MetricFamily& sinkErrors = f.counter(
      "ncxdp_sink_write_errors_total",
      "Failed write calls of each output (one can lose many records): see ncxdp_sink_dropped_records_total");
  MetricFamily& sinkWritten =
      f.counter("ncxdp_sink_written_records_total",
                "Entries completely written to each local output (file, directory, stdout)");
  MetricFamily& sinkDropped =
      f.counter("ncxdp_sink_dropped_records_total",
                "Entries each output lost for good, by reason (no_space, broken_pipe, timeout, cannot_open, "
                "io_error, output_failed)");
  for (std::size_t i = 0; i < s.pipeline.sinks.size(); ++i) {
    const SinkReport& sink = s.pipeline.sinks[i];
    // Two outputs of one kind (two jsonl files) must still be two series.
    const Labels at{{"sink", sink.name}, {"output", std::to_string(i)}};
    MetricFamilies::sample(sinkRecords, at, double(sink.stats.records));
    MetricFamilies::sample(sinkErrors, at, double(sink.stats.writeErrors));
    if (!sink.delivery) MetricFamilies::sample(sinkWritten, at, double(sink.stats.written));
    // Every reason, zeros included: an alert on a series that appears late misses its first rise.
    for (std::size_t r = 0; r < kDropReasons; ++r) {
      Labels why = at;
      why.push_back({"reason", std::string(dropReasonName(DropReason(r)))});
      MetricFamilies::sample(sinkDropped, why, double(sink.stats.dropped.byReason[r]));
    }
  }
  addRemoteSinkFamilies(f, s);
  MetricFamilies::sample(
      f.gauge("ncxdp_sink_failed", "1 once an output failed fatally and later records are being discarded"),
      {}, s.pipeline.sinkFailed ? 1 : 0);
}

// Outputs that deliver to a server and wait for acknowledgements (nats): what arrived, what
// waits, what was set aside. Left out entirely when no such output is configured.
void addRemoteSinkFamilies(MetricFamilies& f, const MetricsSnapshot& s) {
  bool any = false;
  for (const SinkReport& sink : s.pipeline.sinks) any = any || sink.delivery.has_value();
  if (!any) return;
  MetricFamily& delivered =
      f.counter("ncxdp_sink_delivered_records_total",
                "Records the output's server acknowledged (stored; replicated when so configured)");
  MetricFamily& spilled =
      f.counter("ncxdp_sink_spilled_records_total",
                "Records the output could not deliver and wrote to its local spill file instead");
  MetricFamily& retries = f.counter("ncxdp_sink_retries_total",
                                    "Delivery attempts repeated after an error, a timeout or a reconnect");
  MetricFamily& buffered = f.gauge("ncxdp_sink_buffered_records", "Records waiting for an acknowledgement");
  MetricFamily& bufferedBytes =
      f.gauge("ncxdp_sink_buffered_bytes", "Memory held by records waiting for an acknowledgement");
  MetricFamily& connected = f.gauge("ncxdp_sink_connected", "1 while the output has a server connection");
  for (std::size_t i = 0; i < s.pipeline.sinks.size(); ++i) {
    const SinkReport& sink = s.pipeline.sinks[i];
    if (!sink.delivery) continue;
    const DeliveryStats& d = *sink.delivery;
    const Labels at{{"sink", sink.name}, {"output", std::to_string(i)}};
    MetricFamilies::sample(delivered, at, double(d.delivered));
    MetricFamilies::sample(spilled, at, double(d.spilled));
    MetricFamilies::sample(retries, at, double(d.retries));
    MetricFamilies::sample(buffered, at, double(d.bufferedRecords));
    MetricFamilies::sample(bufferedBytes, at, double(d.bufferedBytes));
    MetricFamilies::sample(connected, at, d.connected ? 1 : 0);
  }
}

void addSourceFamilies(MetricFamilies& f, const MetricsSnapshot& s) {
  if (s.sourceLimit == 0) return;
  MetricFamilies::sample(
      f.gauge("ncxdp_source_series_limit", "Most senders exported with their own series (--metrics-sources)"),
      {}, double(s.sourceLimit));
  MetricFamily& datagrams =
      f.counter("ncxdp_source_datagrams_total", "Datagrams from each sender (busiest senders only)");
  MetricFamily& bytes =
      f.counter("ncxdp_source_received_bytes_total", "UDP payload bytes from each sender (busiest only)");
  MetricFamily& records = f.counter("ncxdp_source_records_total", "Records from each sender (busiest only)");
  MetricFamily& lost = f.counter("ncxdp_source_messages_lost_total",
                                 "Messages lost by each sender, by gap kind (busiest only)");
  MetricFamily& incomplete =
      f.counter("ncxdp_source_messages_incomplete_total",
                "Messages of each sender emitted with missing fragments (busiest only)");
  MetricFamily& lastSeen = f.gauge("ncxdp_source_last_seen_timestamp_seconds",
                                   "When each sender was last heard from, Unix time (busiest only)");
  char text[Source::kMaxText];
  for (const SourceSample& src : s.sources) {
    const std::string source(text, src.source.format(text));
    MetricFamilies::sample(datagrams, {{"source", source}}, double(src.stats.datagrams));
    MetricFamilies::sample(bytes, {{"source", source}}, double(src.stats.bytes));
    MetricFamilies::sample(records, {{"source", source}}, double(src.stats.records));
    MetricFamilies::sample(lost, {{"source", source}, {"by", "seq"}}, double(src.stats.seqMissing));
    MetricFamilies::sample(lost, {{"source", source}, {"by", "msgid"}}, double(src.stats.msgidMissing));
    MetricFamilies::sample(incomplete, {{"source", source}}, double(src.stats.incomplete));
    MetricFamilies::sample(lastSeen, {{"source", source}}, double(src.stats.lastSeenUs) / 1e6);
  }
}

}  // namespace

ReceiverMetrics::ReceiverMetrics(const LiveCapture& capture, const Pipeline& pipeline, std::string command,
                                 std::size_t sourceSeries)
    : capture_(capture),
      xsk_(dynamic_cast<const XskCapture*>(&capture)),
      pipeline_(pipeline),
      command_(std::move(command)),
      sourceSeries_(sourceSeries),
      startTimeSeconds_(unixNow()) {}

MetricsSnapshot ReceiverMetrics::snapshot() const {
  MetricsSnapshot s;
  s.command = command_;
  s.path = xsk_ != nullptr ? "af_xdp" : "socket";
  s.startTimeSeconds = startTimeSeconds_;
  s.sourceLimit = sourceSeries_;
  LaneSnapshot lane;
  for (std::size_t i = 0; i < capture_.laneCount(); ++i) {
    capture_.laneSnapshot(i, lane);
    LaneMetrics m;
    m.queue = capture_.laneId(i);
    m.stats = lane.stats;
    if (xsk_ != nullptr) {
      m.hasSocketStats = true;
      m.xsk = xsk_->socketStats(i);
      m.umemBytes = xsk_->umemBytes(i);
      m.hasBurstBuffer = true;
      m.burst = xsk_->burstStats(i);
    }
    s.lanes.push_back(m);
    s.sources.insert(s.sources.end(), lane.sources.begin(), lane.sources.end());
  }
  if (xsk_ != nullptr) {
    s.hasXdp = true;
    s.xdp = xsk_->programCounters();
  }
  s.pipeline = pipeline_.stats();
  if (triage_ != nullptr) {
    s.hasTriage = true;
    s.triage = triage_->liveStats();
  }
  // Each lane sent its own busiest; the cap applies to the union.
  if (s.sources.size() > sourceSeries_) {
    std::nth_element(
        s.sources.begin(), s.sources.begin() + std::ptrdiff_t(sourceSeries_), s.sources.end(),
        [](const SourceSample& a, const SourceSample& b) { return a.stats.datagrams > b.stats.datagrams; });
    s.sources.resize(sourceSeries_);
  }
  return s;
}

std::vector<prometheus::MetricFamily> ReceiverMetrics::Collect() const {
  return families(snapshot());
}

std::vector<prometheus::MetricFamily> ReceiverMetrics::families(const MetricsSnapshot& s) {
  MetricFamilies f;
  MetricFamilies::sample(
      f.gauge("ncxdp_build_info", "Always 1; the labels name the ncxdp version and the command"),
      {{"version", NCXDP_VERSION}, {"command", s.command}}, 1);
  MetricFamilies::sample(f.gauge("ncxdp_start_time_seconds", "When this ncxdp process started, Unix time"),
                         {}, s.startTimeSeconds);
  addCaptureFamilies(f, s);
  addBurstBufferFamilies(f, s);
  addXdpFamilies(f, s);
  addDecoderFamilies(f, s);
  addPipelineFamilies(f, s);
  addSourceFamilies(f, s);
  std::vector<prometheus::MetricFamily> out = f.take();
  if (s.hasTriage)
    for (prometheus::MetricFamily& family : TriageMetrics::families(s.triage))
      out.push_back(std::move(family));
  return out;
}

}  // namespace ncxdp
