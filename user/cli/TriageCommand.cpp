#include "cli/TriageCommand.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "capture/PcapReplay.h"
#include "decode/JsonRecordParser.h"
#include "nats/NatsReader.h"
#include "pipeline/Pipeline.h"
#include "triage/DirLogReader.h"
#include "triage/HtmlReport.h"
#include "triage/JsonReport.h"
#include "triage/TextReport.h"
#include "util/FdIo.h"

namespace ncxdp {

namespace {

// Ring between the replay thread and the engine; a replay blocks instead of dropping, so a modest
// ring is enough.
constexpr std::size_t kReplayRingBytes = std::size_t(16) << 20;

// Hands the pipeline's records to the engine (owned by the command, shared by every input).
class HandlerSink final : public Sink {
 public:
  explicit HandlerSink(RecordHandler& handler) : handler_(handler) {}
  void write(const Record& record) override {
    ++stats_.records;
    handler_.onRecord(record);
  }
  void flush() override {}
  std::string_view name() const override { return "triage"; }

 private:
  RecordHandler& handler_;
};

void noteBadLine(const std::string& file, std::uint64_t lineNo, const std::string& why, bool& reported,
                 TriageInputStats& stats) {
  ++stats.badLines;
  if (reported) return;
  reported = true;
  std::fprintf(stderr, "ncxdp triage: %s:%llu: skipped, %s (further bad lines are only counted)\n",
               file.c_str(), (unsigned long long)lineNo, why.c_str());
}

void readJsonl(std::istream& in, const std::string& name, RecordHandler& out, TriageInputStats& stats) {
  JsonRecordParser reader;
  Record record;
  std::string line, why;
  std::uint64_t lineNo = 0, good = 0, bad = 0;
  bool reported = false;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty()) continue;
    if (!reader.parse(line, record, why)) {
      ++bad;
      noteBadLine(name, lineNo, why, reported, stats);
      continue;
    }
    ++good;
    ++stats.records;
    out.onRecord(record);
  }
  if (in.bad()) throw std::runtime_error("reading " + name + " failed");
  if (good == 0 && bad != 0)
    throw std::runtime_error(name + " is not ncxdp JSON lines, a dir: folder or a pcap/pcapng capture");
}

void readDir(const std::string& dir, RecordHandler& out, TriageInputStats& stats) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) throw std::runtime_error("cannot read directory " + dir + ": " + ec.message());
  std::vector<std::filesystem::path> files;
  for (const auto& entry : it)
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  DirLogReader reader;
  Record record;
  std::string line, why;
  for (const auto& path : files) {
    const std::optional<Source> src = DirLogReader::sourceFromFileName(path.filename().string());
    if (!src) {
      ++stats.skippedFiles;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string() + ": " + errorText(errno));
    ++stats.files;
    std::uint64_t lineNo = 0;
    bool reported = false;
    while (std::getline(in, line)) {
      ++lineNo;
      if (line.empty()) continue;
      if (!reader.parse(line, *src, record, why)) {
        noteBadLine(path.string(), lineNo, why, reported, stats);
        continue;
      }
      ++stats.records;
      out.onRecord(record);
    }
  }
}

void readPcap(const std::string& path, const TriageCommandOptions& options, RecordHandler& out,
              TriageInputStats& stats) {
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<HandlerSink>(out));
  Pipeline pipeline(1, kReplayRingBytes, std::move(sinks));
  ReplayConfig config;
  config.path = path;
  config.ports = options.ports;
  config.decoder = options.decoder;
  PcapReplay replay(config, pipeline);
  pipeline.start();
  replay.start();
  replay.join();
  pipeline.finish();
  stats.records += pipeline.stats().sinks.front().stats.records;
  if (const std::string error = replay.error(); !error.empty()) throw std::runtime_error(error);
  if (options.verbose) {
    const CaptureStats c = replay.stats();
    std::fprintf(stderr, "ncxdp triage: %s: %llu frames, %llu datagrams decoded into %llu records\n",
                 path.c_str(), (unsigned long long)c.received, (unsigned long long)c.decoder.datagrams,
                 (unsigned long long)(c.decoder.recordsPlain + c.decoder.recordsExtended));
  }
}

// A JetStream stream the NATS output writes: every receiver's records, read once from the start
// with an ephemeral consumer.
void readNats(const std::string& spec, RecordHandler& out, TriageInputStats& stats) {
  NatsReaderConfig config;
  config.spec = parseNatsSpec(spec);
  NatsReader reader(config);
  reader.run(out, [] { return false; }, {});
  stats.records += reader.stats().records;
  stats.badLines += reader.stats().malformed;
}

bool isCapture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[4] = {};
  if (!in.read(reinterpret_cast<char*>(magic), 4)) return false;
  const std::uint32_t le = magic[0] | magic[1] << 8 | magic[2] << 16 | std::uint32_t(magic[3]) << 24;
  // pcap (micro- and nanosecond, both byte orders) and pcapng's section header block.
  return le == 0xa1b2c3d4 || le == 0xd4c3b2a1 || le == 0xa1b23c4d || le == 0x4d3cb2a1 || le == 0x0a0d0d0a;
}

// Why an input gave no records, in the words of what the user can check.
std::string emptyInputReason(const std::string& spec, const TriageCommandOptions& options,
                             std::uint64_t files, std::uint64_t otherFiles) {
  if (spec.rfind("nats://", 0) == 0) return "the stream holds no records";
  struct stat st;
  const bool dir = spec.rfind("dir:", 0) == 0 || (::stat(spec.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
  if (dir && files == 0)
    return "no ADDR_PORT.log files (what --out dir: writes), " + std::to_string(otherFiles) + " other files";
  if (dir) return std::to_string(files) + " ADDR_PORT.log files, all empty";
  if (spec != "-" && isCapture(spec)) {
    std::string ports;
    for (std::uint16_t p : options.ports) ports += (ports.empty() ? "" : ",") + std::to_string(p);
    return ports.empty() ? "no netconsole datagrams in the capture"
                         : "no netconsole datagrams to port(s) " + ports + " in the capture (see --port)";
  }
  return spec == "-" ? "stdin was empty" : "the file holds no records";
}

}  // namespace

void TriageCommand::readInput(const std::string& spec, const TriageCommandOptions& options,
                              RecordHandler& out, TriageInputStats& stats) {
  if (spec == "-") {
    ++stats.files;
    readJsonl(std::cin, "stdin", out, stats);
    return;
  }
  if (spec.rfind("dir:", 0) == 0) {
    readDir(spec.substr(4), out, stats);
    return;
  }
  if (spec.rfind("nats://", 0) == 0) {
    readNats(spec, out, stats);
    return;
  }
  struct stat st;
  if (::stat(spec.c_str(), &st) != 0)
    throw std::runtime_error("cannot read " + spec + ": " + errorText(errno));
  if (S_ISDIR(st.st_mode)) {
    readDir(spec, out, stats);
    return;
  }
  ++stats.files;
  if (isCapture(spec)) {
    readPcap(spec, options, out, stats);
    return;
  }
  std::ifstream in(spec, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + spec + ": " + errorText(errno));
  readJsonl(in, spec, out, stats);
}

namespace {

// `--explain ID`: the one cluster whose id starts with ID. The id is what the text report's first
// column shows; a prefix saves typing twelve hex digits, but must not be ambiguous.
int explain(const TriageReport& report, const TriageCommandOptions& options) {
  std::vector<const ClusterReport*> found;
  for (const ClusterReport& c : report.clusters)
    if (c.id.rfind(options.explain, 0) == 0) found.push_back(&c);
  if (found.empty()) {
    std::fprintf(stderr,
                 "ncxdp triage: --explain %s: no cluster with that id among the %llu found (ids are in "
                 "the 'cluster' column of the report)\n",
                 options.explain.c_str(), (unsigned long long)report.clusterCount);
    return 1;
  }
  if (found.size() > 1) {
    std::fprintf(stderr, "ncxdp triage: --explain %s: %zu clusters start with it (", options.explain.c_str(),
                 found.size());
    for (std::size_t i = 0; i < found.size() && i < 5; ++i)
      std::fprintf(stderr, "%s%s", i == 0 ? "" : ", ", found[i]->id.c_str());
    std::fprintf(stderr, "%s); give more digits\n", found.size() > 5 ? ", ..." : "");
    return 1;
  }
  if (const int err = writeAll(1, TextReport::explain(*found.front(), report.topFrames)); err != 0) {
    std::fprintf(stderr, "ncxdp triage: writing to stdout: %s\n", errorText(err).c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int TriageCommand::run(const TriageCommandOptions& options) {
  Triage triage(options.triage);
  TriageInputStats stats;
  std::vector<std::string> inputs = options.inputs;
  inputs.insert(inputs.end(), options.from.begin(), options.from.end());
  for (const std::string& spec : inputs) {
    const TriageInputStats before = stats;
    try {
      readInput(spec, options, triage, stats);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ncxdp triage: %s\n", e.what());
      return 1;
    }
    // An empty report would read as "no crashes"; an input without records is more likely the
    // wrong file, folder or port.
    if (stats.records == before.records)
      std::fprintf(stderr, "ncxdp triage: nothing found in %s: %s\n", spec.c_str(),
                   emptyInputReason(spec, options, stats.files - before.files,
                                    stats.skippedFiles - before.skippedFiles)
                       .c_str());
  }
  if (stats.records == 0) {
    // Exit 1 and no report: nothing was triaged (README, "Exit status").
    if (inputs.size() > 1) std::fprintf(stderr, "ncxdp triage: no records in any input, no report written\n");
    return 1;
  }
  triage.finish();
  if (options.verbose || stats.badLines != 0)
    std::fprintf(stderr,
                 "ncxdp triage: %llu inputs, %llu files, %llu records, %llu bad lines, %llu other files\n",
                 (unsigned long long)options.inputs.size(), (unsigned long long)stats.files,
                 (unsigned long long)stats.records, (unsigned long long)stats.badLines,
                 (unsigned long long)stats.skippedFiles);

  const TriageReport full = triage.report();
  if (!options.explain.empty()) return explain(full, options);
  const TriageReport listed = options.top == 0 ? full : triage.report(options.top);
  const std::string text = options.json ? JsonReport::render(full) : TextReport::render(listed);
  if (const int err = writeAll(1, text); err != 0) {
    std::fprintf(stderr, "ncxdp triage: writing the report to stdout: %s\n", errorText(err).c_str());
    return 1;
  }
  if (!options.htmlPath.empty()) {
    const std::string html = HtmlReport::render(listed);
    const std::string tmp = options.htmlPath + ".tmp";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << html;
    out.close();
    if (!out || std::rename(tmp.c_str(), options.htmlPath.c_str()) != 0) {
      std::fprintf(stderr, "ncxdp triage: cannot write %s: %s\n", options.htmlPath.c_str(),
                   errorText(errno).c_str());
      std::remove(tmp.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace ncxdp
