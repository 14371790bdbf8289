#include "storm/Manifest.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "storm/FlatWorkload.h"
#include "storm/ScenarioWorkload.h"

namespace ncxdp::storm {

using nlohmann::ordered_json;

std::unique_ptr<Workload> makeWorkload(const StormConfig& config) {
  std::vector<Host> hosts = makeFleet(config.fleet);
  if (config.flat) return std::make_unique<FlatWorkload>(std::move(hosts), config.payload);
  return std::make_unique<ScenarioWorkload>(config.traffic, std::move(hosts));
}

namespace {

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

const char* formatMixName(FormatMix mix) {
  return mix == FormatMix::Extended ? "extended" : mix == FormatMix::Plain ? "plain" : "mixed";
}

ordered_json configJson(const StormConfig& c) {
  ordered_json j;
  j["scenario"] = c.flat ? "flat" : std::string(scenarioName(c.traffic.scenario));
  j["hosts"] = c.fleet.hosts;
  j["formats"] = formatMixName(c.fleet.formats);
  j["src_net"] = c.fleet.srcNet4;
  j["src_net6"] = c.fleet.srcNet6;
  j["v6_every"] = c.fleet.v6Every;
  j["ports_per_address"] = c.fleet.portsPerAddress;
  j["first_port"] = c.fleet.firstPort;
  j["payload"] = c.payload;
  j["burst"] = c.traffic.burst;
  j["bugs"] = c.traffic.bugs;
  j["withhold_every"] = c.traffic.withholdEvery;
  j["reverse_fragments"] = c.traffic.reverseFragments;
  return j;
}

StormConfig configFrom(const nlohmann::json& j) {
  StormConfig c;
  const std::string scenario = j.at("scenario").get<std::string>();
  c.flat = scenario == "flat";
  if (!c.flat) c.traffic.scenario = parseScenario(scenario);
  c.fleet.hosts = j.at("hosts").get<std::size_t>();
  c.fleet.formats = parseFormatMix(j.at("formats").get<std::string>());
  c.fleet.srcNet4 = j.at("src_net").get<std::string>();
  c.fleet.srcNet6 = j.at("src_net6").get<std::string>();
  c.fleet.v6Every = j.at("v6_every").get<std::size_t>();
  c.fleet.portsPerAddress = j.at("ports_per_address").get<std::size_t>();
  c.fleet.firstPort = j.at("first_port").get<std::uint16_t>();
  c.payload = j.at("payload").get<std::size_t>();
  c.traffic.burst = j.at("burst").get<std::size_t>();
  c.traffic.bugs = j.at("bugs").get<std::size_t>();
  c.traffic.withholdEvery = j.at("withhold_every").get<std::size_t>();
  c.traffic.reverseFragments = j.at("reverse_fragments").get<bool>();
  return c;
}

}  // namespace

void writeManifest(const std::string& path, const StormConfig& config, const Workload& workload,
                   const std::vector<HostLedger>& ledger, const SendSummary& s) {
  ordered_json j;
  j["generator"] = "ncxdp-storm";
  j["manifest_version"] = 1;
  j["config"] = configJson(config);
  std::uint64_t records = 0, datagrams = 0, bytes = 0, withheld = 0;
  ordered_json hosts = ordered_json::array();
  const auto& fleet = workload.hosts();
  for (std::size_t h = 0; h < fleet.size(); ++h) {
    const HostLedger& l = ledger[h];
    ordered_json e;
    e["src"] = fleet[h].src.toString();
    e["kind"] = std::string(hostKindName(fleet[h].kind));
    e["datagrams"] = l.datagrams;
    e["records"] = l.records;
    e["frame_bytes"] = l.frameBytes;
    e["withheld"] = workload.withheld(h);
    // Ranges and digest of what was sent: the first `records` records of this host.
    std::uint64_t digest = 0;
    std::uint64_t seqLo = UINT64_MAX, seqHi = 0, msgidLo = UINT64_MAX, msgidHi = 0;
    for (std::uint64_t k = 0; k < l.records; ++k) {
      const ExpectedRecord r = workload.expected(h, k);
      digest += r.digest;
      if (r.seq) seqLo = std::min(seqLo, *r.seq), seqHi = std::max(seqHi, *r.seq);
      if (r.msgid) msgidLo = std::min(msgidLo, *r.msgid), msgidHi = std::max(msgidHi, *r.msgid);
    }
    e["seq"] = seqLo <= seqHi ? ordered_json::array({seqLo, seqHi}) : ordered_json();
    e["msgid"] = msgidLo <= msgidHi ? ordered_json::array({msgidLo, msgidHi}) : ordered_json();
    e["digest"] = hex64(digest);
    records += l.records;
    datagrams += l.datagrams;
    bytes += l.frameBytes;
    withheld += workload.withheld(h);
    hosts.push_back(std::move(e));
  }
  ordered_json sent;
  sent["sender"] = s.sender;
  sent["stop"] = s.stop;
  sent["target_pps"] = s.targetPps;
  sent["elapsed_s"] = s.elapsedS;
  sent["datagrams"] = datagrams;
  sent["records"] = records;
  sent["withheld"] = withheld;
  sent["frame_bytes"] = bytes;
  sent["offered_pps"] = s.elapsedS > 0 ? double(datagrams) / s.elapsedS : 0.0;
  sent["behind_schedule_s"] = double(s.lostNs) * 1e-9;
  sent["undrained"] = s.undrained;
  sent["send_calls"] = s.senderStats.kicks;
  sent["send_busy"] = s.senderStats.busy;
  sent["invalid_descriptors"] = s.senderStats.invalid;
  j["sent"] = sent;
  j["per_host"] = std::move(hosts);

  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw std::runtime_error("cannot write manifest " + tmp);
    out << j.dump(1) << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write manifest " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot rename manifest to " + path);
}

ManifestData readManifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open manifest " + path);
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    if (j.at("generator") != "ncxdp-storm") throw std::runtime_error("not an ncxdp-storm manifest");
    ManifestData out;
    out.config = configFrom(j.at("config"));
    for (const auto& e : j.at("per_host")) {
      ManifestHost h;
      h.src = e.at("src").get<std::string>();
      h.datagrams = e.at("datagrams").get<std::uint64_t>();
      h.records = e.at("records").get<std::uint64_t>();
      h.withheld = e.at("withheld").get<std::uint64_t>();
      out.records += h.records;
      out.datagrams += h.datagrams;
      out.hosts.push_back(std::move(h));
    }
    return out;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("manifest " + path + ": " + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("manifest " + path + ": " + e.what());
  }
}

}  // namespace ncxdp::storm
