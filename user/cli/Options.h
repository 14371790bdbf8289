// Command line of the ncxdp binary: subcommands and their options, parsed with CLI11 into one
// plain struct that main() turns into a pipeline and a capture.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "capture/PcapReplay.h"
#include "capture/SocketListener.h"
#include "capture/XskCapture.h"
#include "cli/SenderConfig.h"
#include "cli/TriageCommand.h"
#include "decode/Decoder.h"

namespace ncxdp {

enum class Command { Listen, Replay, Attach, Triage, Tail, SenderConfig };

// ncxdp tail: read records back from a NATS JetStream stream (user/nats/NatsReader.h).
struct TailOptions {
  std::string from;     // nats://HOST:PORT[,...][?stream=..&prefix=..]
  std::string stream;   // overrides the spec's stream when set
  std::string source;   // one sender (ADDR:PORT) or one address (ADDR)
  std::string durable;  // consumer name; empty for ephemeral
  bool follow = false;
  bool json = false;
};

struct Options {
  Command command = Command::Listen;
  ListenConfig listen;
  ReplayConfig replay;
  AttachConfig attach;        // attach.queues stays empty until main() resolves attachQueues
  std::string attachQueues;   // --queues as given: "all" or a list, checked against the interface
  bool xskRingGiven = false;  // --xsk-ring given; otherwise main() sizes it for the queue count
  std::vector<std::string> outputs{"text"};
  std::size_t ringBytes = 0;
  bool verbose = false;
  DecoderConfig decoder;
  // attach and listen: Prometheus metrics.
  std::string metricsAddress;        // "host:port" to serve /metrics on; empty: not served
  std::string metricsTextfile;       // node_exporter textfile to keep current; empty: none
  std::size_t metricsSources = 0;    // per-source series exported at most (0: none)
  TriageCommandOptions triage;       // `ncxdp triage`
  TailOptions tail;                  // `ncxdp tail`
  SenderConfigOptions senderConfig;  // `ncxdp sender-config`
  bool liveTriage = false;           // --triage on listen/replay/attach
  std::string triageReport;          // --triage-report FILE: the JSON report at exit

  // The subcommand's name, for message prefixes ("ncxdp listen: ...").
  const char* commandName() const {
    switch (command) {
      case Command::Listen:
        return "listen";
      case Command::Attach:
        return "attach";
      case Command::Replay:
        return "replay";
      case Command::Triage:
        return "triage";
      case Command::Tail:
        return "tail";
      case Command::SenderConfig:
        return "sender-config";
    }
    return "ncxdp";
  }
  std::size_t captureThreads() const {
    if (command == Command::Attach) return attach.queues.empty() ? 1 : attach.queues.size();
    return command == Command::Listen ? listen.threads : 1;
  }
};

// Parses argv. Returns -1 when the program should run with `out`, or the exit code to return now:
// 0 after --help / --version, 2 after a usage error (one line already printed on stderr).
int parseOptions(int argc, char** argv, Options& out);

}  // namespace ncxdp
