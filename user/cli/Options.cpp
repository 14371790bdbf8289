#include "cli/Options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "app/ByteSize.h"
#include "app/Pipeline.h"

namespace ncxdp {

namespace {

constexpr std::uint16_t kDefaultPort = 6666;
constexpr int kUsageError = 2;

struct Common {
  std::vector<std::string> outputs{"text"};
  std::uint64_t lineTimeoutMs = 1000;
  std::uint64_t fragTimeoutMs = 2000;
  std::size_t maxSources = 65536;
  std::string ringSize = "64M";
  bool verbose = false;
};

// Options every capture subcommand shares (listen, replay, and later attach).
void addCommon(CLI::App& sub, Common& c) {
  sub.add_option(
         "-o,--out", c.outputs,
         "Output, repeatable: text (stdout), jsonl:PATH (jsonl:- is stdout), dir:PATH (one file per sender)")
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
                 "Senders tracked at once; the least recently active is evicted")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(1), std::size_t(1) << 24))
      ->type_name("N");
  sub.add_option("--ring-size", c.ringSize,
                 "Ring memory between capture and output, split over threads (K/M/G)")
      ->capture_default_str()
      ->type_name("BYTES")
      ->check(
          [](const std::string& text) -> std::string {
            return parseByteSize(text) ? ""
                                       : "'" + text + "' is not a size (examples: 1048576, 512K, 64M, 1G)";
          },
          "SIZE");
  sub.add_flag("-v,--verbose", c.verbose, "Print setup details and a detailed summary at exit");
}

std::vector<std::uint16_t> uniquePorts(const std::vector<int>& ports) {
  std::vector<std::uint16_t> out;
  for (int p : ports)
    if (std::find(out.begin(), out.end(), std::uint16_t(p)) == out.end()) out.push_back(std::uint16_t(p));
  return out;
}

}  // namespace

int parseOptions(int argc, char** argv, Options& out) {
  CLI::App app{"ncxdp: netconsole receiver (kernel logs sent as UDP by netconsole)", "ncxdp"};
  app.set_version_flag("--version", std::string("ncxdp ") + NCXDP_VERSION);
  app.require_subcommand(1, 1);

  Common common;
  std::vector<int> ports;

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

  CLI::App* replay = app.add_subcommand("replay", "Decode the netconsole datagrams of a pcap or pcapng file");
  replay->add_option("file", out.replay.path, "Capture file")->required()->type_name("FILE");
  replay
      ->add_option("-p,--port", ports,
                   "Only UDP datagrams to this destination port, repeatable (default: all)")
      ->check(CLI::Range(1, 65535))
      ->type_name("PORT");
  addCommon(*replay, common);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const CLI::App* sub = listen->parsed() ? listen : replay->parsed() ? replay : nullptr;
    if (sub == nullptr && argc > 1 && argv[1][0] != '-') {
      // CLI11 would say "A subcommand is required", which hides the typo.
      std::fprintf(stderr, "ncxdp: unknown command '%s' (expected listen or replay; try --help)\n", argv[1]);
      return kUsageError;
    }
    std::fprintf(stderr, "ncxdp%s%s: %s (try --help)\n", sub ? " " : "", sub ? sub->get_name().c_str() : "",
                 e.what());
    return kUsageError;
  }

  out.command = listen->parsed() ? Command::Listen : Command::Replay;
  out.outputs = common.outputs;
  out.verbose = common.verbose;
  out.decoder.lineIdleUs = common.lineTimeoutMs * 1000;
  out.decoder.fragTimeoutUs = common.fragTimeoutMs * 1000;
  out.decoder.maxSources = common.maxSources;
  out.ringBytes = std::size_t(*parseByteSize(common.ringSize));
  if (out.ringBytes / out.captureThreads() < Pipeline::kMinRingBytes) {
    std::fprintf(stderr,
                 "ncxdp %s: --ring-size %s is too small: need at least %zu KiB per thread (try --help)\n",
                 out.commandName(), common.ringSize.c_str(), Pipeline::kMinRingBytes >> 10);
    return kUsageError;
  }
  if (out.command == Command::Listen) {
    out.listen.ports = ports.empty() ? std::vector<std::uint16_t>{kDefaultPort} : uniquePorts(ports);
    out.listen.verbose = out.verbose;
    out.listen.decoder = out.decoder;
  } else {
    out.replay.ports = uniquePorts(ports);
    out.replay.decoder = out.decoder;
  }
  return -1;
}

}  // namespace ncxdp
