#include "cli/Options.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "metrics/MetricsEndpoint.h"
#include "pipeline/Pipeline.h"
#include "util/ByteSize.h"

namespace ncxdp {

namespace {

// --ring-size, --burst-buffer: a byte count with an optional K/M/G suffix.
CLI::Validator byteSize() {
  return CLI::Validator(
      [](const std::string& text) -> std::string {
        return parseByteSize(text) ? "" : "'" + text + "' is not a size (examples: 1048576, 512K, 64M, 1G)";
      },
      "SIZE");
}

constexpr std::uint16_t kDefaultPort = 6666;
constexpr int kUsageError = 2;

struct Common {
  std::vector<std::string> outputs{"text"};
  std::uint64_t lineTimeoutMs = 1000;
  std::uint64_t fragTimeoutMs = 2000;
  std::size_t maxSources = 65536;
  std::string decoderMemory = "64M";
  std::string ringSize = "64M";
  bool verbose = false;
  bool triage = false;
  std::string triageReport;
};

// Options every capture subcommand shares (listen, replay, attach).
void addCommon(CLI::App& sub, Common& c) {
  sub.add_option(
         "-o,--out", c.outputs,
         "Output, repeatable: text (stdout), jsonl:PATH (jsonl:- is stdout), dir:PATH (one file per sender), "
         "nats://HOST:PORT[,HOST:PORT...][?stream=S&prefix=P&replicas=N&spill=PATH...] (JetStream), "
         "syslog://HOST[:PORT][?proto=udp|tcp|tls...] (RFC 5424)")
      ->capture_default_str()
      ->type_name("SPEC");
  sub.add_option("--line-timeout", c.lineTimeoutMs,
                 "Emit a plain line missing its newline after this much silence")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t(1), std::uint64_t(3'600'000)))
      ->type_name("MS");
  sub.add_option("--frag-timeout", c.fragTimeoutMs,
                 "Emit a fragmented message flagged incomplete when not whole after this long")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t(1), std::uint64_t(3'600'000)))
      ->type_name("MS");
  sub.add_option("--max-sources", c.maxSources,
                 "Senders tracked at once, over all threads; the least recently active is evicted")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(1), std::size_t(1) << 24))
      ->type_name("N");
  sub.add_option("--decoder-memory", c.decoderMemory,
                 "Memory for partial lines and fragments waiting for the rest, over all threads (K/M/G); "
                 "beyond, the oldest is emitted as it is, flagged incomplete")
      ->capture_default_str()
      ->type_name("BYTES")
      ->check(
          [](const std::string& text) -> std::string {
            const auto n = parseByteSize(text);
            if (!n) return "'" + text + "' is not a size (examples: 1048576, 512K, 64M, 1G)";
            return *n >= (std::uint64_t(64) << 10) ? "" : "must be at least 64K (one reassembled message)";
          },
          "SIZE");
  sub.add_option("--ring-size", c.ringSize,
                 "Ring memory between capture and output, split over threads (K/M/G)")
      ->capture_default_str()
      ->type_name("BYTES")
      ->check(byteSize());
  sub.add_flag("-v,--verbose", c.verbose, "Print setup details and a detailed summary at exit");
  CLI::Option* triage =
      sub.add_flag("--triage", c.triage,
                   "Cluster kernel reports (oops, panic, WARN, lockups...) as they arrive; summary at exit");
  sub.add_option("--triage-report", c.triageReport,
                 "With --triage: write the JSON triage report here at exit")
      ->needs(triage)
      ->type_name("FILE");
}

// `ncxdp triage INPUT...`
CLI::App* addTriage(CLI::App& app, TriageCommandOptions& t, std::vector<int>& ports) {
  CLI::App* sub = app.add_subcommand(
      "triage",
      "Find and cluster kernel reports (oops, panic, WARN, lockups, hung tasks, OOM...) in saved output");
  sub->add_option(
         "input", t.inputs,
         "JSON lines file (ncxdp --out jsonl:), dir:PATH (--out dir:), pcap/pcapng capture, nats://... "
         "(a JetStream stream), or - for stdin")
      ->type_name("INPUT...");
  sub->add_option("--from", t.from,
                  "NATS JetStream stream that receivers publish to (--out nats://), repeatable: "
                  "nats://HOST:PORT[,HOST:PORT...][?stream=S&prefix=P]")
      ->type_name("URL");
  sub->add_flag("--json", t.json, "Print the report as JSON instead of text");
  sub->add_option("--html", t.htmlPath, "Also write the report as a self-contained HTML page")
      ->type_name("FILE");
  sub->add_option("--top", t.top, "Clusters listed in the text and HTML report (0: all)")
      ->capture_default_str()
      ->type_name("N");
  sub->add_option("--frames", t.triage.cluster.topFrames, "Call-trace frames in a signature")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(1), std::size_t(16)))
      ->type_name("N");
  sub->add_option("-p,--port", ports, "Captures: only UDP datagrams to this destination port, repeatable")
      ->check(CLI::Range(1, 65535))
      ->type_name("PORT");
  sub->add_option("--max-hosts", t.triage.cluster.maxHosts, "Senders tracked; more are counted, not listed")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(1), std::size_t(1) << 26))
      ->type_name("N");
  sub->add_option("--max-clusters", t.triage.cluster.maxClusters,
                  "Clusters kept; events beyond are counted by kind")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(1), std::size_t(1) << 24))
      ->type_name("N");
  sub->add_flag("-v,--verbose", t.verbose, "Print what was read from each input");
  sub->add_option("--explain", t.explain,
                  "Explain one cluster (its id from the report, or a prefix): every frame of its "
                  "events, used in the signature or skipped and why")
      ->type_name("CLUSTER")
      ->excludes("--json");
  return sub;
}

struct MetricsArgs {
  CLI::Option* serve = nullptr;
  std::string address;
  std::string textfile;
  std::size_t sources = 0;
};

// Metrics options of the live subcommands (attach, listen).
void addMetrics(CLI::App& sub, MetricsArgs& m) {
  m.serve = sub.add_option("--metrics", m.address,
                           "Serve Prometheus metrics at http://ADDR:PORT/metrics (alone: " +
                               std::string(MetricsEndpoint::kDefaultAddress) + ":" +
                               std::to_string(MetricsEndpoint::kDefaultPort) + ")")
                ->expected(0, 1)
                ->type_name("[ADDR][:PORT]");
  sub.add_option("--metrics-textfile", m.textfile,
                 "Also keep the metrics in this file for node_exporter's textfile collector (*.prom)")
      ->type_name("PATH");
  sub.add_option("--metrics-sources", m.sources,
                 "Export per-sender series for at most N of the busiest senders (default 0: none)")
      ->check(CLI::Range(std::size_t(0), std::size_t(10000)))
      ->type_name("N");
}

// --bind takes a literal address (no names: a receiver must not depend on DNS at boot), IPv6
// optionally in brackets.
bool isIpAddress(std::string text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

std::vector<std::uint16_t> uniquePorts(const std::vector<int>& ports) {
  std::vector<std::uint16_t> out;
  for (int p : ports)
    if (std::find(out.begin(), out.end(), std::uint16_t(p)) == out.end()) out.push_back(std::uint16_t(p));
  return out;
}

// Attach's options that are checked or converted after parsing.
struct AttachArgs {
  std::vector<std::string> allow;
  std::string mode = "auto";
  bool zeroCopy = false;
  bool copy = false;
  std::string burstBuffer = "64M";
  CLI::Option* xskRing = nullptr;
};

// `ncxdp listen`
CLI::App* addListen(CLI::App& app, Options& out, std::vector<int>& ports, Common& common,
                    MetricsArgs& metrics) {
  CLI::App* listen = app.add_subcommand("listen", "Receive netconsole datagrams on UDP sockets");
  listen->add_option("--bind", out.listen.bindAddress, "Local address; :: takes IPv4 and IPv6")
      ->capture_default_str()
      ->type_name("ADDR");
  listen->add_option("-p,--port", ports, "UDP port, repeatable (default 6666)")
      ->check(CLI::Range(1, 65535))
      ->type_name("PORT");
  listen
      ->add_option("-t,--threads", out.listen.threads,
                   "Receive threads; the kernel spreads senders over them")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(1), std::size_t(256)))
      ->type_name("N");
  addCommon(*listen, common);
  addMetrics(*listen, metrics);

  return listen;
}

// `ncxdp replay FILE`
CLI::App* addReplay(CLI::App& app, Options& out, std::vector<int>& ports, Common& common) {
  CLI::App* replay = app.add_subcommand("replay", "Decode the netconsole datagrams of a pcap or pcapng file");
  replay->add_option("file", out.replay.path, "Capture file")->required()->type_name("FILE");
  replay
      ->add_option("-p,--port", ports,
                   "Only UDP datagrams to this destination port, repeatable (default: all)")
      ->check(CLI::Range(1, 65535))
      ->type_name("PORT");
  addCommon(*replay, common);

  return replay;
}

// `ncxdp attach IFACE`
CLI::App* addAttach(CLI::App& app, Options& out, std::vector<int>& ports, Common& common,
                    MetricsArgs& metrics, AttachArgs& args) {
  CLI::App* attach = app.add_subcommand(
      "attach", "Capture netconsole with an XDP program and AF_XDP sockets on an interface");
  attach->add_option("interface", out.attach.ifname, "Network interface")->required()->type_name("IFACE");
  attach->add_option("-p,--port", ports, "UDP destination port, repeatable (default 6666)")
      ->check(CLI::Range(1, 65535))
      ->type_name("PORT");
  attach
      ->add_option("--allow", args.allow,
                   "Only these sources reach ncxdp, repeatable (others go to the kernel stack)")
      ->type_name("CIDR");
  out.attachQueues = "all";
  attach->add_option("--queues", out.attachQueues, "RX queues to capture: all, or a list like 0,2-3")
      ->capture_default_str()
      ->type_name("LIST");
  attach->add_option("--mode", args.mode, "XDP mode; auto tries native, then generic")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "native", "generic"}));
  CLI::Option* zcFlag =
      attach->add_flag("--zerocopy", args.zeroCopy, "Require AF_XDP zero-copy (default: try it)");
  attach->add_flag("--copy", args.copy, "AF_XDP copy mode")->excludes(zcFlag);
  args.xskRing =
      attach
          ->add_option("--xsk-ring", out.attach.ringSize,
                       "AF_XDP RX and fill ring slots per queue (a power of two); each is a 2 KiB UMEM "
                       "frame. Default: 32768 (64 MiB per queue) for up to 2 queues, then halved as "
                       "queues double (128 MiB in all), at least 4096")
          ->check(CLI::Range(std::uint32_t(64), std::uint32_t(1) << 16))
          ->check([](const std::string& text) -> std::string {
            const unsigned long n = std::stoul(text);
            return (n & (n - 1)) == 0 ? "" : "must be a power of two";
          })
          ->type_name("N");
  attach
      ->add_option("--burst-buffer", args.burstBuffer,
                   "Memory holding datagrams between capture and decoding, split over queues (K/M/G): "
                   "absorbs bursts that decoding and the outputs cannot keep up with")
      ->capture_default_str()
      ->type_name("BYTES")
      ->check(byteSize());
  addCommon(*attach, common);
  addMetrics(*attach, metrics);

  return attach;
}

// `ncxdp tail --from nats://...`
CLI::App* addTail(CLI::App& app, TailOptions& t) {
  CLI::App* tail =
      app.add_subcommand("tail", "Print records from a NATS JetStream stream that ncxdp publishes to");
  tail->add_option("--from", t.from, "nats://HOST:PORT[,HOST:PORT...][?stream=S&prefix=P]")
      ->required()
      ->type_name("URL");
  tail->add_option("--stream", t.stream, "JetStream stream (default NCXDP, or stream= in the URL)")
      ->type_name("NAME");
  tail->add_option("--source", t.source, "Only this sender (ADDR:PORT), or every port of ADDR")
      ->type_name("SRC");
  tail->add_option("--durable", t.durable,
                   "Durable consumer: a later run with the same name goes on where this one stopped")
      ->type_name("NAME");
  tail->add_flag("-f,--follow", t.follow, "Keep waiting for new records (default: exit when caught up)");
  tail->add_flag("--json", t.json, "JSON lines (the jsonl format) instead of text");

  return tail;
}

// `ncxdp sender-config`
CLI::App* addSenderConfig(CLI::App& app, SenderConfigOptions& sc) {
  CLI::App* senderConfig = app.add_subcommand(
      "sender-config",
      "Print what senders need to send their kernel log here: the netconsole= parameter, the configfs "
      "commands, ncxdp_tx targets= and the loglevel advice");
  senderConfig
      ->add_option("--iface", sc.iface,
                   "The interface senders reach this receiver on (default: the default route's)")
      ->type_name("IFACE");
  senderConfig->add_option("--port", sc.port, "The UDP port ncxdp listens on")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535))
      ->type_name("PORT");
  senderConfig
      ->add_option("--address", sc.address,
                   "The address senders send to (default: the interface's first IPv4, else global IPv6)")
      ->type_name("ADDR");
  senderConfig->add_option("--sender-iface", sc.senderIface, "The senders' interface name in their config")
      ->capture_default_str()
      ->type_name("NAME");
  senderConfig->add_flag("--param-only", sc.paramOnly, "Print only the netconsole= value (for scripts)");

  return senderConfig;
}

// After parsing `ncxdp triage`: what CLI11 cannot check. Returns -1 or the exit code.
int finishTriage(Options& out, const std::vector<int>& ports) {
  if (out.triage.inputs.empty() && out.triage.from.empty()) {
    std::fprintf(stderr, "ncxdp triage: give at least one INPUT or --from nats://... (try --help)\n");
    return kUsageError;
  }
  for (const std::string& url : out.triage.from) {
    if (url.rfind("nats://", 0) != 0) {
      std::fprintf(stderr,
                   "ncxdp triage: --from '%s': expected nats://HOST:PORT[,HOST:PORT...] (try --help)\n",
                   url.c_str());
      return kUsageError;
    }
  }
  out.triage.ports = uniquePorts(ports);
  return -1;
}

// After parsing listen, attach or replay: the common options, metrics and the command's own.
// Returns -1 or the exit code.
int finishCapture(Options& out, const Common& common, const MetricsArgs& listenMetrics,
                  const MetricsArgs& attachMetrics, const std::vector<int>& ports, const AttachArgs& args) {
  out.outputs = common.outputs;
  out.verbose = common.verbose;
  out.liveTriage = common.triage;
  out.triageReport = common.triageReport;
  out.decoder.lineIdleUs = common.lineTimeoutMs * 1000;
  out.decoder.fragTimeoutUs = common.fragTimeoutMs * 1000;
  out.decoder.maxSources = common.maxSources;
  out.decoder.memoryBytes = std::size_t(*parseByteSize(common.decoderMemory));
  out.ringBytes = std::size_t(*parseByteSize(common.ringSize));
  if (out.ringBytes / out.captureThreads() < Pipeline::kMinRingBytes) {
    std::fprintf(stderr,
                 "ncxdp %s: --ring-size %s is too small: need at least %zu KiB per thread (try --help)\n",
                 out.commandName(), common.ringSize.c_str(), Pipeline::kMinRingBytes >> 10);
    return kUsageError;
  }
  if (out.ringBytes / out.captureThreads() > Pipeline::kMaxRingBytes) {
    std::fprintf(stderr,
                 "ncxdp %s: --ring-size %s is too large: at most %zuG per thread, so at most %zuG with %zu "
                 "thread(s) (try --help)\n",
                 out.commandName(), common.ringSize.c_str(), Pipeline::kMaxRingBytes >> 30,
                 (Pipeline::kMaxRingBytes >> 30) * out.captureThreads(), out.captureThreads());
    return kUsageError;
  }
  if (out.command != Command::Replay) {
    const MetricsArgs& m = out.command == Command::Listen ? listenMetrics : attachMetrics;
    if (m.serve->count() > 0) {
      try {
        out.metricsAddress = MetricsEndpoint::parseAddress(m.address);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "ncxdp %s: %s (try --help)\n", out.commandName(), e.what());
        return kUsageError;
      }
    }
    out.metricsTextfile = m.textfile;
    out.metricsSources = m.sources;
    if (m.sources != 0 && out.metricsAddress.empty() && m.textfile.empty()) {
      std::fprintf(stderr, "ncxdp %s: --metrics-sources needs --metrics or --metrics-textfile (try --help)\n",
                   out.commandName());
      return kUsageError;
    }
  }
  if (out.command == Command::Listen) {
    if (!isIpAddress(out.listen.bindAddress)) {
      std::fprintf(
          stderr,
          "ncxdp listen: --bind '%s' is not an IPv4 or IPv6 address (examples: 0.0.0.0, ::, 10.0.0.1, "
          "fd00::1; :: takes IPv4 and IPv6) (try --help)\n",
          out.listen.bindAddress.c_str());
      return kUsageError;
    }
    out.listen.ports = ports.empty() ? std::vector<std::uint16_t>{kDefaultPort} : uniquePorts(ports);
    out.listen.verbose = out.verbose;
    out.listen.decoder = out.decoder;
  } else if (out.command == Command::Attach) {
    out.attach.ports = ports.empty() ? std::vector<std::uint16_t>{kDefaultPort} : uniquePorts(ports);
    for (const std::string& cidr : args.allow) {
      try {
        parseIpPrefix(cidr);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "ncxdp attach: --allow: %s (try --help)\n", e.what());
        return kUsageError;
      }
    }
    out.attach.allowlist = args.allow;
    out.attach.mode = args.mode == "native"    ? XdpMode::Native
                      : args.mode == "generic" ? XdpMode::Generic
                                               : XdpMode::Auto;
    out.attach.bind = args.zeroCopy ? XskBindMode::ZeroCopy
                      : args.copy   ? XskBindMode::Copy
                                    : XskBindMode::Auto;
    out.attach.verbose = out.verbose;
    out.attach.decoder = out.decoder;
    // Checked per queue once main() knows the queues (XskCapture::burstBufferPerQueue).
    out.attach.burstBufferBytes = std::size_t(*parseByteSize(args.burstBuffer));
  } else {
    out.replay.ports = uniquePorts(ports);
    out.replay.decoder = out.decoder;
  }
  return -1;
}

}  // namespace

int parseOptions(int argc, char** argv, Options& out) {
  CLI::App app{"ncxdp: netconsole receiver (kernel logs sent as UDP by netconsole)", "ncxdp"};
  app.set_version_flag("--version", std::string("ncxdp ") + NCXDP_VERSION);
  app.require_subcommand(1, 1);

  Common common;
  std::vector<int> ports;
  MetricsArgs listenMetrics, attachMetrics;
  AttachArgs attachArgs;
  CLI::App* listen = addListen(app, out, ports, common, listenMetrics);
  CLI::App* replay = addReplay(app, out, ports, common);
  CLI::App* attach = addAttach(app, out, ports, common, attachMetrics, attachArgs);
  CLI::App* triage = addTriage(app, out.triage, ports);
  CLI::App* tail = addTail(app, out.tail);
  CLI::App* senderConfig = addSenderConfig(app, out.senderConfig);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const CLI::App* sub = listen->parsed()         ? listen
                          : replay->parsed()       ? replay
                          : attach->parsed()       ? attach
                          : triage->parsed()       ? triage
                          : tail->parsed()         ? tail
                          : senderConfig->parsed() ? senderConfig
                                                   : nullptr;
    if (sub == nullptr && argc > 1 && argv[1][0] != '-') {
      // CLI11 would say "A subcommand is required", which hides the typo.
      std::fprintf(
          stderr,
          "ncxdp: unknown command '%s' (expected listen, replay, attach, triage, tail or sender-config; try "
          "--help)\n",
          argv[1]);
      return kUsageError;
    }
    std::fprintf(stderr, "ncxdp%s%s: %s (try --help)\n", sub ? " " : "", sub ? sub->get_name().c_str() : "",
                 e.what());
    return kUsageError;
  }

  if (tail->parsed()) {
    out.command = Command::Tail;
    return -1;
  }
  out.xskRingGiven = attachArgs.xskRing->count() > 0;
  if (senderConfig->parsed()) {
    out.command = Command::SenderConfig;
    return -1;
  }
  out.command = listen->parsed()   ? Command::Listen
                : attach->parsed() ? Command::Attach
                : triage->parsed() ? Command::Triage
                                   : Command::Replay;
  if (out.command == Command::Triage) return finishTriage(out, ports);
  return finishCapture(out, common, listenMetrics, attachMetrics, ports, attachArgs);
}

}  // namespace ncxdp
