#include "storm/Checker.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "storm/RecordDigest.h"

namespace ncxdp::storm {

namespace {

std::string fromHex(const std::string& hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(char(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return out;
}

std::optional<std::uint64_t> number(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<std::uint64_t>();
}

}  // namespace

Checker::Checker(const ManifestData& manifest) {
  const std::unique_ptr<Workload> workload = makeWorkload(manifest.config);
  const auto& fleet = workload->hosts();
  if (fleet.size() != manifest.hosts.size())
    throw std::invalid_argument("manifest lists " + std::to_string(manifest.hosts.size()) +
                                " hosts, config makes " + std::to_string(fleet.size()));
  hosts_.resize(fleet.size());
  for (std::size_t h = 0; h < fleet.size(); ++h) {
    HostState& s = hosts_[h];
    s.src = fleet[h].src.toString();
    if (s.src != manifest.hosts[h].src)
      throw std::invalid_argument("manifest host " + std::to_string(h) + " is " + manifest.hosts[h].src +
                                  ", config makes " + s.src);
    s.withheld = manifest.hosts[h].withheld;
    s.expected.reserve(manifest.hosts[h].records);
    for (std::uint64_t k = 0; k < manifest.hosts[h].records; ++k)
      s.expected.push_back(workload->expected(h, k).digest);
    std::sort(s.expected.begin(), s.expected.end());
    bySrc_.emplace(s.src, h);
  }
}

void Checker::addJsonl(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string line;
  std::size_t lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(path + ":" + std::to_string(lineNo) + ": " + e.what());
    }
    const auto src = bySrc_.find(j.value("src", ""));
    const bool gap = j.contains("event");
    if (!gap) ++received_;
    if (src == bySrc_.end()) {
      if (!gap) ++unknown_;
      continue;
    }
    HostState& host = hosts_[src->second];
    if (gap) {
      ++host.gapEvents;
      continue;
    }
    if (j.value("incomplete", false)) ++incomplete_;
    ContentHash hash;
    hash.text(j.contains("text_hex") ? fromHex(j["text_hex"].get<std::string>())
                                     : j.at("text").get<std::string>());
    for (const auto& pair : j.at("dict")) {
      const std::string value =
          pair.size() > 2 ? fromHex(pair[2].get<std::string>()) : pair.at(1).get<std::string>();
      hash.pair(pair.at(0).get<std::string>(), value);
    }
    host.received.push_back(recordDigest(number(j, "seq"), number(j, "msgid"), hash.value()));
  }
  if (in.bad()) throw std::runtime_error("read error on " + path);
}

CheckReport Checker::report() const {
  CheckReport r;
  r.received = received_;
  r.incomplete = incomplete_;
  r.unknownSources = unknown_;
  std::vector<HostCheck> all;
  for (const HostState& s : hosts_) {
    std::vector<std::uint64_t> got = s.received;
    std::sort(got.begin(), got.end());
    HostCheck c;
    c.src = s.src;
    c.expected = s.expected.size();
    // Multiset intersection: a duplicate of a matched record is unexpected, not matched twice.
    std::size_t i = 0, k = 0;
    while (i < s.expected.size() && k < got.size()) {
      if (s.expected[i] == got[k]) {
        ++c.matched, ++i, ++k;
      } else if (s.expected[i] < got[k]) {
        ++i;
      } else {
        ++k;
      }
    }
    c.unexpected = got.size() - c.matched;
    c.gapEvents = s.gapEvents;
    ++r.hosts;
    if (c.matched == c.expected && c.unexpected == 0) ++r.hostsExact;
    r.expected += c.expected;
    r.matched += c.matched;
    r.unexpected += c.unexpected;
    r.gapEvents += c.gapEvents;
    r.withheld += s.withheld;
    if (c.matched != c.expected || c.unexpected != 0) all.push_back(std::move(c));
  }
  std::sort(all.begin(), all.end(), [](const HostCheck& a, const HostCheck& b) {
    return a.expected - a.matched + a.unexpected > b.expected - b.matched + b.unexpected;
  });
  if (all.size() > 10) all.resize(10);
  r.worst = std::move(all);
  return r;
}

}  // namespace ncxdp::storm
