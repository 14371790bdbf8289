// `ncxdp-storm check`: compares what a receiver wrote (ncxdp's JSON lines) with a manifest. The
// expected records are rebuilt from the manifest's config (the traffic is deterministic), and
// every received record is matched by digest (seq, msgid, text and dictionary) within its host,
// so the count of records captured exactly is exact, and so is the count lost.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "storm/Manifest.h"

namespace ncxdp::storm {

struct HostCheck {
  std::string src;
  std::uint64_t expected = 0;
  std::uint64_t matched = 0;     // received records equal to a sent one
  std::uint64_t unexpected = 0;  // received records matching none (corrupt, duplicated, incomplete)
  std::uint64_t gapEvents = 0;
};

struct CheckReport {
  std::uint64_t hosts = 0;
  std::uint64_t hostsExact = 0;  // every record matched, nothing unexpected
  std::uint64_t expected = 0;
  std::uint64_t received = 0;  // message lines read
  std::uint64_t matched = 0;
  std::uint64_t unexpected = 0;
  std::uint64_t incomplete = 0;  // received records flagged incomplete
  std::uint64_t gapEvents = 0;
  std::uint64_t unknownSources = 0;  // records from a source the manifest does not name
  std::uint64_t withheld = 0;        // records the generator left out on purpose
  std::vector<HostCheck> worst;      // up to 10 hosts with the most missing records
  std::uint64_t missing() const { return expected - matched; }
  bool exact() const { return matched == expected && unexpected == 0 && unknownSources == 0; }
};

class Checker {
 public:
  // Rebuilds the expected records. Throws std::invalid_argument for a config it cannot rebuild.
  explicit Checker(const ManifestData& manifest);
  // Reads one JSON lines file. Throws std::runtime_error naming the file and line of a parse error.
  void addJsonl(const std::string& path);
  CheckReport report() const;

 private:
  struct HostState {
    std::vector<std::uint64_t> expected;  // digests
    std::vector<std::uint64_t> received;
    std::uint64_t gapEvents = 0;
    std::uint64_t withheld = 0;
    std::string src;
  };

  std::vector<HostState> hosts_;
  std::unordered_map<std::string, std::size_t> bySrc_;
  std::uint64_t received_ = 0;
  std::uint64_t incomplete_ = 0;
  std::uint64_t unknown_ = 0;
};

}  // namespace ncxdp::storm
