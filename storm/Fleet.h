// The simulated hosts: who they are on the wire (source address and port), which kind of kernel
// target they run (6.1 extended, 6.18 extended with release and sysdata, plain), and the printk
// state the encoder advances as they log (seq, msgid, timestamp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "decode/Source.h"

namespace ncxdp::storm {

enum class HostKind : std::uint8_t {
  Extended61,   // `+` target on Debian's 6.1: no release prefix, no sysdata
  Extended618,  // `+r` target on 6.18 with userdata and sysdata (cpu, taskname, msgid)
  Plain,        // target without `+`: "[time] text" lines
};

enum class FormatMix : std::uint8_t { Extended, Plain, Mixed };

std::string_view hostKindName(HostKind kind);
// "extended", "plain" or "mixed"; throws std::invalid_argument otherwise.
FormatMix parseFormatMix(std::string_view text);

struct Host {
  Source src;
  HostKind kind = HostKind::Extended61;
  std::uint64_t seq = 0;    // next printk sequence number
  std::uint64_t msgid = 1;  // next netconsole msgid (Extended618 only)
  std::uint64_t tsUs = 0;   // kernel time of the next message
  std::uint32_t cpu = 0;    // CPU the host's messages report
};

struct FleetConfig {
  std::size_t hosts = 1;
  std::string srcNet4 = "10.199.0.0/16";  // hosts take .2 upwards (.1 is the receiver)
  std::string srcNet6 = "fd00:199::";     // IPv6 hosts: this prefix with a host number in the low bits
  std::size_t v6Every = 0;                // every Nth address is IPv6; 0: none
  std::size_t portsPerAddress = 1;        // hosts sharing one address differ by source port
  std::uint16_t firstPort = 6665;         // netconsole's default source port
  FormatMix formats = FormatMix::Mixed;
};

// Throws std::invalid_argument when the networks cannot hold that many hosts or do not parse.
std::vector<Host> makeFleet(const FleetConfig& config);

}  // namespace ncxdp::storm
