// `ncxdp triage INPUT...`: reads ncxdp's own outputs (JSON lines files, dir: folders, NATS JetStream
// streams through user/nats/NatsReader) and capture
// files (pcap/pcapng, decoded by the same PcapReplay and decoder as `ncxdp replay`), runs them
// through the triage engine, and prints the report. The IO around the engine lives here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "decode/Decoder.h"
#include "triage/Triage.h"

namespace ncxdp {

struct TriageCommandOptions {
  std::vector<std::string>
      inputs;  // "dir:PATH", a directory, "-" (JSON lines on stdin), "nats://...", or a file
  std::vector<std::string> from;     // --from nats://...: JetStream streams, read after the inputs
  bool json = false;                 // JSON on stdout instead of text
  std::string htmlPath;              // also write the HTML page here
  std::size_t top = 20;              // clusters listed in text and HTML (0: all); JSON lists all
  std::vector<std::uint16_t> ports;  // pcap: only UDP to these destination ports (empty: all)
  DecoderConfig decoder;             // pcap decoding
  TriageConfig triage;
  bool verbose = false;
  std::string explain;  // --explain ID: only this cluster, every frame with why it was used or not
};

struct TriageInputStats {
  std::uint64_t files = 0;
  std::uint64_t records = 0;       // read and handed to the engine (messages and gap events)
  std::uint64_t badLines = 0;      // lines that were not ncxdp records
  std::uint64_t skippedFiles = 0;  // files in a dir: folder not named <address>_<port>.log
};

class TriageCommand {
 public:
  // Reads one input into `triage`. Throws std::runtime_error naming the input when it cannot be
  // read at all; lines that are not records are counted and the first one per file is reported.
  static void readInput(const std::string& spec, const TriageCommandOptions& options, RecordHandler& triage,
                        TriageInputStats& stats);
  // The whole command: exit code 0, 1 (an input could not be read), 2 (usage).
  static int run(const TriageCommandOptions& options);
};

}  // namespace ncxdp
