// `ncxdp sender-config`: what to give the machines that should send their kernel log here. For
// this receiver's address and port (and its MAC, for senders on the same L2 network) it prints the
// `netconsole=` kernel parameter, the configfs commands for stock netconsole, the `ncxdp_tx
// targets=` form, and the console loglevel advice. render() does no IO, so the text is tested as
// is; run() finds the interface's address and MAC.
#pragma once

#include <cstdint>
#include <string>

namespace ncxdp {

struct SenderConfigOptions {
  std::string iface;                 // the receiving interface; empty: the one with the default route
  std::string address;               // the address senders send to; empty: the interface's first
  std::uint16_t port = 6666;         // the UDP port ncxdp listens on (attach/listen --port)
  std::string senderIface = "eth0";  // the senders' interface name, as it appears in their config
  bool paramOnly = false;            // print only the netconsole= value (for scripts)
};

// What run() found: the receiver as senders must address it.
struct SenderConfigTarget {
  std::string iface;
  std::string address;  // IPv4 dotted or IPv6 text, no brackets
  std::string mac;      // "aa:bb:cc:dd:ee:ff", or empty when the interface has none (a tun, lo)
  std::uint16_t port = 6666;
  std::string senderIface = "eth0";
};

class SenderConfig {
 public:
  // The value of netconsole= (and of ncxdp_tx targets= when withRelease): extended format from
  // senderIface to address:port, unicast to mac when there is one.
  static std::string param(const SenderConfigTarget& t, bool withRelease);
  // The whole explanation, ready to print.
  static std::string render(const SenderConfigTarget& t);
  // Prints it for the options; returns the exit status (2: bad arguments, 1: nothing found).
  static int run(const SenderConfigOptions& options);
};

}  // namespace ncxdp
