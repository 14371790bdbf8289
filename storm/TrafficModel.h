// What a fleet says when things go wrong, as datagrams in send order: boot-log replays (a target
// registered at boot replays the whole log ring from seq 0), oopses and panics with call traces
// (the same few bugs on many hosts, as real storms look), WARNINGs with userdata. Every host's
// message is encoded by NetconsoleEncoder for its kind of target; hosts are interleaved message by
// message, while the fragments of one message stay back to back as netpoll sends them.
//
// Deterministic: the same config and fleet give the same bytes, so the checker can rebuild the
// expected records instead of the manifest storing a million of them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storm/Fleet.h"
#include "storm/NetconsoleEncoder.h"

namespace ncxdp::storm {

enum class Scenario : std::uint8_t {
  Boot,   // the boot log, from seq 0
  Oops,   // an oops with its call trace, the host keeps running
  Warn,   // a WARNING with its call trace
  Panic,  // a panic burst of exactly `burst` messages (oops, NMI backtraces, panic line)
  Mixed,  // boot, then per host an oops, a WARNING, a short panic or a few ordinary lines
};

std::string_view scenarioName(Scenario s);
// Throws std::invalid_argument naming the choices.
Scenario parseScenario(std::string_view text);

struct TrafficConfig {
  Scenario scenario = Scenario::Mixed;
  std::size_t burst = 100;        // Panic: messages per host
  std::size_t bugs = 4;           // distinct crash signatures spread over the hosts
  std::size_t withholdEvery = 0;  // every Nth message of an extended host is not sent (a gap); 0: none
  bool reverseFragments = false;  // fragments of a message sent last first
};

struct PlannedDatagram {
  std::uint32_t host = 0;
  std::uint32_t length = 0;
  std::uint64_t offset = 0;  // into payloads()
  std::int64_t record = -1;  // index into records() this datagram completes, or -1
};

class TrafficModel {
 public:
  // Generates all traffic now (setup: about a microsecond per message).
  TrafficModel(const TrafficConfig& config, std::vector<Host> hosts);

  const std::vector<Host>& hosts() const { return hosts_; }
  // Send order; stopping early is safe only after a datagram with record >= 0 of each host,
  // which the sender ensures by stopping on message boundaries (see messageEnds()).
  const std::vector<PlannedDatagram>& datagrams() const { return datagrams_; }
  std::span<const std::uint8_t> payload(const PlannedDatagram& d) const {
    return {payloads_.data() + d.offset, d.length};
  }
  // True at index i when datagram i is the last of its message.
  bool messageEnd(std::size_t i) const { return messageEnd_[i]; }
  // Records in host order; recordsOf(h) are host h's in the order it sent them.
  const std::vector<ExpectedRecord>& records() const { return records_; }
  std::span<const ExpectedRecord> recordsOf(std::size_t host) const {
    return {records_.data() + hostFirstRecord_[host], hostFirstRecord_[host + 1] - hostFirstRecord_[host]};
  }
  // Messages generated but deliberately not sent (withholdEvery).
  std::uint64_t withheld(std::size_t host) const { return withheld_[host]; }

 private:
  struct Line {
    int level = 6;
    std::string text;
    std::vector<UserData> dict;
    std::string taskname = "swapper/0";
  };

  // The messages host h sends, in order.
  void script(std::size_t h, std::vector<Line>& out) const;
  void bootLog(std::size_t h, std::vector<Line>& out) const;
  void oops(std::size_t h, std::size_t bug, std::vector<Line>& out) const;
  void warning(std::size_t h, std::vector<Line>& out) const;
  void panic(std::size_t h, std::size_t burst, std::vector<Line>& out) const;

  TrafficConfig config_;
  std::vector<Host> hosts_;
  std::vector<std::uint8_t> payloads_;
  std::vector<PlannedDatagram> datagrams_;
  std::vector<bool> messageEnd_;
  std::vector<ExpectedRecord> records_;
  std::vector<std::size_t> hostFirstRecord_;
  std::vector<std::uint64_t> withheld_;
};

}  // namespace ncxdp::storm
