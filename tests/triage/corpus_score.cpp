// Scores the triage engine on the labelled corpus of public crash reports (tests/triage/real):
// every report becomes a host of a storm, its lines sent as plain netconsole datagrams and
// interleaved round-robin with every other host's (as a fleet crashing at once sends them), and
// further copies of every report come from more hosts with unrelated printk lines mixed into them
// (another CPU printing on a kernel without caller ids). Each host's first event is compared with
// the report's label: pairwise precision (pairs in one cluster that are one bug) and recall (pairs
// of one bug that share a cluster), over the reports and over the storm's hosts.
//
//   triage_corpus_score DIR [--min-precision P] [--min-recall R] [--copies N] [--frames N] [-v]
//
// Exit 1 when a report is not detected or a score is under its minimum, 2 for bad arguments.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "decode/Decoder.h"
#include "triage/Signature.h"
#include "triage/Triage.h"

namespace {

using namespace ncxdp;

struct Report {
  std::string file, bug, arch, kernel;
  std::vector<std::string> lines;
};

// Unrelated lines another CPU or a driver prints while a report is going out.
const char* const kNoise[] = {
    "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready",
    "usb 1-1: new high-speed USB device number 3 using xhci_hcd",
    "audit: type=1400 audit(1700000000.123:42): apparmor=\"DENIED\" operation=\"open\" profile=\"snap\"",
    "EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.",
    "systemd-journald[312]: Received client request to flush runtime journal.",
};

// A corpus file: '#' header lines (source, licence, arch, kernel, bug), then console output. A
// syslog prefix ("Jan 15 18:51:07 host kernel: ") is how some reports were saved, not what
// netconsole sends: it is taken off.
std::vector<std::string> readReport(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header && !line.empty() && line[0] == '#') continue;
    header = false;
    if (const std::size_t k = line.find(" kernel: "); k != std::string::npos && k < 40 && line.size() > 3 &&
                                                      std::isalpha(static_cast<unsigned char>(line[0])))
      line.erase(0, k + 9);
    // A serial console mixes user space output ("syzkaller login: ") and the end of another
    // message into a line; netconsole sends each kernel message on its own, from its
    // "[   35.184476]" on.
    static const std::regex kStamp(R"(\[ *[0-9]+\.[0-9]{6}\])");
    std::vector<std::size_t> at;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), kStamp); it != std::sregex_iterator(); ++it)
      at.push_back(static_cast<std::size_t>(it->position(0)));
    // Text before the first stamp is user space output; "...ffffffff83f42ec0[   45.871305] tc_dump..."
    // is two messages.
    for (std::size_t i = 0; i < at.size(); ++i)
      lines.push_back(line.substr(at[i], (i + 1 < at.size() ? at[i + 1] : line.size()) - at[i]));
    if (!at.empty()) continue;
    lines.push_back(line);
  }
  // A console log with kernel timestamps also holds what user space wrote to the console
  // (syzkaller's "executing program" and its programs): lines without a stamp there are not the
  // kernel's, and netconsole never sends them.
  std::size_t stamped = 0;
  for (const std::string& l : lines) stamped += !l.empty() && l[0] == '[' && l.find("] ") < 24;
  if (stamped * 2 > lines.size())
    std::erase_if(lines, [](const std::string& l) { return l.empty() || l[0] != '['; });
  return lines;
}

std::string callerPrefixOf(const std::string& line) {
  // "[  123.456789][ T1234] text": the caller id column, to give a noise line another caller.
  const std::size_t a = line.find("][");
  if (line.empty() || line[0] != '[' || a == std::string::npos || a > 20) return {};
  return line.substr(0, a + 1) + "[    C9] ";
}

struct Host {
  std::size_t report = 0;
  std::vector<std::string> lines;
  std::size_t next = 0;
};

// Keeps every host's earliest event (its signature) and hands events on to the clusterer.
struct Recorder final : EventHandler {
  Clusterer& clusters;
  std::unordered_map<Source, std::pair<std::uint64_t, std::string>, SourceHash>
      first;  // src -> (firstUs, key)
  std::unordered_map<Source, std::string, SourceHash> reasons;
  std::unordered_map<Source, std::vector<FrameNote>, SourceHash> notes;
  std::string key;
  std::vector<std::string_view> frames;
  explicit Recorder(Clusterer& c) : clusters(c) {}
  void onEvent(const Event& e) override {
    Signature::build(e, clusters.config().topFrames, key, frames);
    auto it = first.find(e.src);
    if (it == first.end() || e.firstUs < it->second.first) {
      first[e.src] = {e.firstUs, key};
      reasons[e.src] = e.reason;
      std::string k;
      std::vector<std::string_view> f;
      Signature::build(e, clusters.config().topFrames, k, f, &notes[e.src]);
    }
    clusters.onEvent(e);
  }
};

struct Score {
  double precision = 1, recall = 1;
  std::uint64_t samePairs = 0, clusterPairs = 0, both = 0;
};

// labels[i], clusters[i] for item i: pairwise scores.
Score pairwise(const std::vector<std::string>& labels, const std::vector<std::string>& clusters) {
  Score s;
  std::map<std::string, std::uint64_t> byLabel, byCluster;
  std::map<std::pair<std::string, std::string>, std::uint64_t> byBoth;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    ++byLabel[labels[i]];
    ++byCluster[clusters[i]];
    ++byBoth[{labels[i], clusters[i]}];
  }
  auto pairs = [](std::uint64_t n) { return n * (n - 1) / 2; };
  for (const auto& [k, n] : byLabel) s.samePairs += pairs(n);
  for (const auto& [k, n] : byCluster) s.clusterPairs += pairs(n);
  for (const auto& [k, n] : byBoth) s.both += pairs(n);
  s.precision = s.clusterPairs == 0 ? 1.0 : double(s.both) / double(s.clusterPairs);
  s.recall = s.samePairs == 0 ? 1.0 : double(s.both) / double(s.samePairs);
  return s;
}

int usage() {
  std::fprintf(
      stderr,
      "usage: triage_corpus_score DIR [--min-precision P] [--min-recall R] [--copies N] [--frames N] [-v]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  double minPrecision = 0.95, minRecall = 0.90;
  std::size_t copies = 4;
  std::size_t frames = Signature::kDefaultFrames;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-v") {
      verbose = true;
    } else if ((a == "--min-precision" || a == "--min-recall" || a == "--copies" || a == "--frames") &&
               i + 1 < argc) {
      const double v = std::atof(argv[++i]);
      if (a == "--frames") frames = static_cast<std::size_t>(v);
      if (a == "--min-precision") minPrecision = v;
      if (a == "--min-recall") minRecall = v;
      if (a == "--copies") copies = std::max<std::size_t>(1, static_cast<std::size_t>(v));
    } else if (dir.empty() && a[0] != '-') {
      dir = a;
    } else {
      return usage();
    }
  }
  if (dir.empty()) return usage();

  std::ifstream labels(dir + "/labels.tsv");
  if (!labels) {
    std::fprintf(stderr, "triage_corpus_score: cannot read %s/labels.tsv\n", dir.c_str());
    return 1;
  }
  std::vector<Report> reports;
  std::string line;
  while (std::getline(labels, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Report r;
    std::getline(fields, r.file, '\t');
    std::getline(fields, r.bug, '\t');
    std::getline(fields, r.arch, '\t');
    std::getline(fields, r.kernel, '\t');
    r.lines = readReport(dir + "/" + r.file);
    if (r.lines.empty()) {
      std::fprintf(stderr, "triage_corpus_score: %s/%s is missing or empty\n", dir.c_str(), r.file.c_str());
      return 1;
    }
    reports.push_back(std::move(r));
  }

  // The storm: copy 0 of every report as it was printed, further copies with noise mixed in.
  std::vector<Host> hosts;
  for (std::size_t c = 0; c < copies; ++c) {
    for (std::size_t i = 0; i < reports.size(); ++i) {
      Host h;
      h.report = i;
      std::size_t n = 0;
      for (const std::string& l : reports[i].lines) {
        h.lines.push_back(l);
        // Every (5 + c)th line, from the second copy on: one unrelated line.
        if (c != 0 && ++n % (5 + c) == 0) h.lines.push_back(callerPrefixOf(l) + kNoise[(n + c) % 5]);
      }
      hosts.push_back(std::move(h));
    }
  }
  auto sourceOf = [](std::size_t host) {
    return Source::ipv4(htonl(0x0a000000u | std::uint32_t(host + 1)), 6665);
  };

  TriageConfig config;
  config.cluster.topFrames = frames;
  Clusterer clusterer(config.cluster);
  EventDetector detector(config.detector);
  Recorder recorder(clusterer);
  // EventDetector directly (not Triage) so the recorder sees each event with its source.
  struct Feed final : RecordHandler {
    EventDetector& detector;
    Recorder& out;
    Feed(EventDetector& d, Recorder& o) : detector(d), out(o) {}
    void onRecord(const Record& r) override {
      if (r.kind != RecordKind::Message) return;
      out.clusters.noteSource(r.src);
      LineContext ctx;
      ctx.src = r.src;
      ctx.recvUs = r.recvTsUs;
      ctx.tsUsec = r.tsUsec;
      ctx.caller = r.caller;
      std::string_view text = r.text;
      while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        const std::string_view l = text.substr(0, nl);
        if (!l.empty()) detector.line(ctx, l, out);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
      }
    }
  } feed(detector, recorder);

  Decoder decoder;
  std::uint64_t now = 1'700'000'000'000'000ull;
  for (bool more = true; more; now += 2000) {
    more = false;
    for (std::size_t h = 0; h < hosts.size(); ++h) {
      Host& host = hosts[h];
      if (host.next >= host.lines.size()) continue;
      more = true;
      const std::string datagram = host.lines[host.next++] + "\n";
      decoder.feed(sourceOf(h), {reinterpret_cast<const std::uint8_t*>(datagram.data()), datagram.size()},
                   now, feed);
    }
  }
  decoder.flush(now, feed);
  detector.flush(recorder);

  // Scores over the reports (copy 0) and over every host of the storm.
  std::vector<std::string> reportLabels, reportKeys, hostLabels, hostKeys;
  std::size_t missed = 0, inconsistent = 0;
  for (std::size_t h = 0; h < hosts.size(); ++h) {
    const Report& r = reports[hosts[h].report];
    const auto it = recorder.first.find(sourceOf(h));
    const std::string key = it == recorder.first.end() ? "(none) " + r.file : it->second.second;
    if (it == recorder.first.end()) {
      ++missed;
      std::printf("not detected: %s (copy %zu)\n", r.file.c_str(), h / reports.size());
    }
    hostLabels.push_back(r.bug);
    hostKeys.push_back(key);
    if (h < reports.size()) {
      reportLabels.push_back(r.bug);
      reportKeys.push_back(key);
    } else if (key != reportKeys[hosts[h].report]) {
      ++inconsistent;
      if (verbose)
        std::printf("noise changed the signature of %s (copy %zu):\n  %s\n  %s\n", r.file.c_str(),
                    h / reports.size(), reportKeys[hosts[h].report].c_str(), key.c_str());
    }
  }

  std::map<std::string, std::set<std::string>> clustersOfBug, bugsOfCluster;
  std::map<std::string, std::vector<std::string>> filesOfKey;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    clustersOfBug[reportLabels[i]].insert(reportKeys[i]);
    bugsOfCluster[reportKeys[i]].insert(reportLabels[i]);
    filesOfKey[reportKeys[i]].push_back(reports[i].file);
  }
  std::map<std::string, int> arches, eras;
  for (const Report& r : reports) {
    ++arches[r.arch];
    ++eras[r.kernel.substr(0, r.kernel.find('.')) + ".x"];
  }
  std::printf("corpus: %zu reports of %zu bugs;", reports.size(), clustersOfBug.size());
  for (const auto& [a, n] : arches) std::printf(" %s %d", a.c_str(), n);
  std::printf(";");
  for (const auto& [e, n] : eras) std::printf(" %s %d", e.c_str(), n);
  std::printf("\n");
  for (const auto& [bug, keys] : clustersOfBug) {
    if (keys.size() < 2) continue;
    std::printf("split: %s into %zu clusters\n", bug.c_str(), keys.size());
    for (const std::string& k : keys) {
      std::printf("    %s <-", k.c_str());
      for (std::size_t i = 0; i < reports.size(); ++i)
        if (reportKeys[i] == k && reportLabels[i] == bug) std::printf(" %s", reports[i].file.c_str());
      std::printf("\n");
    }
  }
  for (const auto& [key, bugs] : bugsOfCluster) {
    if (bugs.size() < 2) continue;
    std::printf("merged: %zu bugs in %s:", bugs.size(), key.c_str());
    for (const std::string& f : filesOfKey[key]) std::printf(" %s", f.c_str());
    std::printf("\n");
  }
  if (verbose)
    for (std::size_t i = 0; i < reports.size(); ++i) {
      std::printf("%-28s %-40s %s\n", reports[i].file.c_str(), reports[i].bug.c_str(), reportKeys[i].c_str());
      for (const FrameNote& n : recorder.notes[sourceOf(i)])
        std::printf("      %-40s %s\n", n.frame.c_str(), n.why.empty() ? "USED" : n.why.c_str());
    }

  const Score byReport = pairwise(reportLabels, reportKeys);
  const Score byHost = pairwise(hostLabels, hostKeys);
  std::printf(
      "reports: %zu, clusters %zu, pairwise precision %.3f recall %.3f (%llu/%llu pairs, %llu/%llu)\n",
      reports.size(), bugsOfCluster.size(), byReport.precision, byReport.recall,
      (unsigned long long)byReport.both, (unsigned long long)byReport.clusterPairs,
      (unsigned long long)byReport.both, (unsigned long long)byReport.samePairs);
  std::printf(
      "storm:   %zu hosts (%zu copies, noise in all but the first), %zu clusters, pairwise precision %.3f "
      "recall %.3f; %zu reports not detected, %zu copies signed differently\n",
      hosts.size(), copies, clusterer.clusterCount(), byHost.precision, byHost.recall, missed, inconsistent);
  const bool ok = missed == 0 && byReport.precision >= minPrecision && byReport.recall >= minRecall &&
                  byHost.precision >= minPrecision && byHost.recall >= minRecall;
  std::printf("%s: precision >= %.2f and recall >= %.2f required, every report detected\n",
              ok ? "PASS" : "FAIL", minPrecision, minRecall);
  return ok ? 0 : 1;
}
