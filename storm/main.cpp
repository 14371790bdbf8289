// ncxdp-storm: a netconsole load generator and loss checker.
//
//   ncxdp-storm send --iface IF --dst ADDR [options]   simulate N hosts, write a manifest
//   ncxdp-storm check --manifest FILE OUT.jsonl...     count what a receiver captured exactly
//
// Frames are crafted whole (Ethernet/IP/UDP) and sent with AF_XDP TX in copy mode, or AF_PACKET
// where AF_XDP is unavailable, from the namespace the generator runs in. Run it only inside a
// network namespace of your own: it writes raw frames onto the interface it is given.
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "storm/Checker.h"
#include "storm/FrameBuilder.h"
#include "storm/FrameSender.h"
#include "storm/Manifest.h"
#include "storm/PcapFileSender.h"
#include "storm/StormRunner.h"

namespace ncxdp::storm {
namespace {

std::atomic<bool> gStop{false};

void onSignal(int) {
  gStop.store(true, std::memory_order_relaxed);
}

MacAddress interfaceMac(const std::string& ifname) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname.c_str());
  const int rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
  const int err = errno;
  close(fd);
  if (rc != 0) throw std::runtime_error("interface " + ifname + ": " + std::strerror(err));
  MacAddress mac;
  std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);
  return mac;
}

MacAddress parseMac(const std::string& text) {
  MacAddress mac;
  unsigned b[6];
  char tail;
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
    throw std::invalid_argument("bad --dst-mac '" + text + "' (want aa:bb:cc:dd:ee:ff)");
  for (int i = 0; i < 6; ++i) {
    if (b[i] > 0xff) throw std::invalid_argument("bad --dst-mac '" + text + "'");
    mac[i] = std::uint8_t(b[i]);
  }
  return mac;
}

Source parseDestination(const std::string& addr, std::uint16_t port, bool v6) {
  Source out;
  const std::string text = v6 ? "[" + addr + "]:" + std::to_string(port) : addr + ":" + std::to_string(port);
  if (!Source::parse(text, out) || out.isV4() == v6)
    throw std::invalid_argument(std::string("bad ") + (v6 ? "--dst6" : "--dst") + " '" + addr + "'");
  return out;
}

struct SendArgs {
  std::string iface;
  std::string tx = "auto";
  std::uint32_t queue = 0;
  std::string dst, dst6, dstMac;
  std::uint16_t dstPort = 6666;
  std::string formats = "mixed";
  std::string scenario = "mixed";
  std::string manifest;
  std::string pcap;
  bool quiet = false;
};

int runSend(SendArgs& a, StormConfig& config, RunConfig& run) {
  config.fleet.formats = parseFormatMix(a.formats);
  config.flat = a.scenario == "flat";
  if (!config.flat) config.traffic.scenario = parseScenario(a.scenario);
  if (a.dst.empty() && a.dst6.empty())
    throw std::invalid_argument("give the receiver with --dst and/or --dst6");
  if (run.durationS <= 0 || run.durationS > 3600)
    throw std::invalid_argument("--duration must be within (0, 3600] seconds");
  if (run.batch == 0 || run.batch > 1024) throw std::invalid_argument("--batch must be within 1..1024");
  FrameConfig frames;
  if (!a.dst.empty()) frames.dst4 = parseDestination(a.dst, a.dstPort, false);
  if (!a.dst6.empty()) frames.dst6 = parseDestination(a.dst6, a.dstPort, true);
  if (!a.dstMac.empty()) frames.dstMac = parseMac(a.dstMac);
  if (a.pcap.empty() == a.iface.empty()) throw std::invalid_argument("give either --iface or --pcap");
  // A pcap has no interface: the hosts then send from a locally administered MAC.
  frames.srcMac = a.pcap.empty() ? interfaceMac(a.iface) : MacAddress{0x02, 0, 0, 0, 0, 0x01};
  const SenderKind kind = a.tx == "xdp"      ? SenderKind::Xdp
                          : a.tx == "packet" ? SenderKind::Packet
                                             : SenderKind::Auto;

  std::unique_ptr<Workload> workload = makeWorkload(config);
  FrameBuilder builder(frames);
  workload->prepare(builder);
  std::unique_ptr<FrameSender> sender = a.pcap.empty()
                                            ? makeSender(kind, a.iface, a.queue, run.batch)
                                            : std::make_unique<PcapFileSender>(a.pcap, run.pps, run.batch);
  // Writing a file needs no pacing: the rate only spaces the timestamps.
  if (!a.pcap.empty()) run.pps = 0;
  if (!a.quiet)
    std::fprintf(
        stderr, "ncxdp-storm: %zu hosts, scenario %s, %" PRIu64 " datagrams planned, sending with %s on %s\n",
        workload->hosts().size(), a.scenario.c_str(), workload->frameCount(),
        std::string(sender->name()).c_str(), a.iface.c_str());
  run.progress = !a.quiet;
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  StormRunner runner(*workload, *sender, run);
  const SendSummary summary = runner.run(gStop);
  if (!a.manifest.empty()) writeManifest(a.manifest, config, *workload, runner.ledger(), summary);
  std::uint64_t records = 0;
  for (const HostLedger& l : runner.ledger()) records += l.records;
  std::fprintf(stderr,
               "ncxdp-storm: sent %" PRIu64 " datagrams (%" PRIu64
               " records) in %.3f s = %.0f/s with %s, stop: %s%s\n",
               summary.frames, records, summary.elapsedS,
               summary.elapsedS > 0 ? double(summary.frames) / summary.elapsedS : 0.0, summary.sender.c_str(),
               summary.stop.c_str(), summary.undrained != 0 ? ", some frames not confirmed sent" : "");
  if (summary.undrained != 0 || summary.senderStats.invalid != 0) return 1;
  return 0;
}

int runCheck(const std::string& manifestPath, const std::vector<std::string>& files, bool json) {
  const ManifestData manifest = readManifest(manifestPath);
  Checker checker(manifest);
  for (const std::string& f : files) checker.addJsonl(f);
  const CheckReport r = checker.report();
  const double pct = r.expected != 0 ? 100.0 * double(r.matched) / double(r.expected) : 100.0;
  if (json) {
    nlohmann::ordered_json j;
    j["hosts"] = r.hosts;
    j["hosts_exact"] = r.hostsExact;
    j["expected"] = r.expected;
    j["received"] = r.received;
    j["matched"] = r.matched;
    j["missing"] = r.missing();
    j["unexpected"] = r.unexpected;
    j["incomplete"] = r.incomplete;
    j["gap_events"] = r.gapEvents;
    j["unknown_sources"] = r.unknownSources;
    j["withheld"] = r.withheld;
    j["captured_pct"] = pct;
    j["exact"] = r.exact();
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%" PRIu64 " of %" PRIu64 " records captured exactly (%.4f%%), %" PRIu64 " missing, %" PRIu64
                " unexpected, %" PRIu64 " incomplete; %" PRIu64 "/%" PRIu64 " hosts exact; %" PRIu64
                " gap events (%" PRIu64 " messages withheld by the generator)\n",
                r.matched, r.expected, pct, r.missing(), r.unexpected, r.incomplete, r.hostsExact, r.hosts,
                r.gapEvents, r.withheld);
    for (const HostCheck& h : r.worst)
      std::printf("  %s: %" PRIu64 "/%" PRIu64 " matched, %" PRIu64 " unexpected\n", h.src.c_str(), h.matched,
                  h.expected, h.unexpected);
  }
  return r.exact() ? 0 : 1;
}

}  // namespace
}  // namespace ncxdp::storm

int main(int argc, char** argv) {
  using namespace ncxdp::storm;
  CLI::App app{"ncxdp-storm: netconsole storm generator and loss checker"};
  app.require_subcommand(1);
  SendArgs a;
  StormConfig config;
  RunConfig run;
  CLI::App* send = app.add_subcommand("send", "simulate hosts sending netconsole traffic; write a manifest");
  send->add_option("--iface", a.iface, "interface to send on (in your own network namespace)");
  send->add_option("--pcap", a.pcap, "write the frames to this pcap file instead (for ncxdp replay)");
  send->add_option("--tx", a.tx, "af_xdp (xdp), af_packet (packet) or auto")
      ->check(CLI::IsMember({"auto", "xdp", "packet"}));
  send->add_option("--queue", a.queue, "TX queue for AF_XDP");
  send->add_option("--dst", a.dst, "receiver IPv4 address");
  send->add_option("--dst6", a.dst6, "receiver IPv6 address (for IPv6 hosts)");
  send->add_option("--dst-port", a.dstPort, "receiver UDP port")->capture_default_str();
  send->add_option("--dst-mac", a.dstMac,
                   "receiver MAC (default ff:ff:ff:ff:ff:ff, as netconsole without remote_mac)");
  send->add_option("--hosts", config.fleet.hosts, "simulated hosts")->capture_default_str();
  send->add_option("--src-net", config.fleet.srcNet4, "IPv4 network the hosts' addresses come from")
      ->capture_default_str();
  send->add_option("--src-net6", config.fleet.srcNet6, "IPv6 prefix for IPv6 hosts")->capture_default_str();
  send->add_option("--v6-every", config.fleet.v6Every, "every Nth host address is IPv6 (0: none)");
  send->add_option("--ports-per-address", config.fleet.portsPerAddress,
                   "hosts sharing an address, by source port");
  send->add_option("--formats", a.formats, "extended, plain or mixed targets")->capture_default_str();
  send->add_option("--scenario", a.scenario, "boot, oops, warn, panic, mixed, or flat (rate tests)")
      ->capture_default_str();
  send->add_option("--burst", config.traffic.burst, "panic: messages per host")->capture_default_str();
  send->add_option("--bugs", config.traffic.bugs, "distinct crash signatures over the hosts")
      ->capture_default_str();
  send->add_option("--withhold-every", config.traffic.withholdEvery,
                   "leave out every Nth message of extended hosts (the receiver reports gaps)");
  send->add_flag("--reverse-fragments", config.traffic.reverseFragments,
                 "send each message's fragments last first");
  send->add_option("--payload", config.payload, "flat: UDP payload bytes (<= 1000)")->capture_default_str();
  send->add_option("--pps", run.pps, "datagrams per second (0: as fast as possible)");
  send->add_option("--count", run.count, "stop after this many datagrams (0: no count bound)");
  send->add_option("--duration", run.durationS, "stop after this many seconds")->capture_default_str();
  send->add_option("--batch", run.batch, "frames per send call")->capture_default_str();
  send->add_option("--manifest", a.manifest, "write what was sent to this JSON file");
  send->add_flag("--quiet", a.quiet, "no progress lines");

  std::string manifestPath;
  std::vector<std::string> files;
  bool json = false;
  CLI::App* check =
      app.add_subcommand("check", "count records a receiver captured exactly, from its JSON lines");
  check->add_option("--manifest", manifestPath, "manifest written by send")->required();
  check->add_option("files", files, "ncxdp jsonl output file(s)")->required();
  check->add_flag("--json", json, "print the result as one JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (send->parsed()) return runSend(a, config, run);
    return runCheck(manifestPath, files, json);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "ncxdp-storm: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ncxdp-storm: %s\n", e.what());
    return 1;
  }
}
