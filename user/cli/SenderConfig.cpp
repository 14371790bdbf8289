#include "cli/SenderConfig.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>

namespace ncxdp {

std::string SenderConfig::param(const SenderConfigTarget& t, bool withRelease) {
  // [+][r][src-port]@[src-ip]/[dev],[tgt-port]@<tgt-ip>/[tgt-macaddr]: the source port and address
  // stay empty (6665 and the device's own address), which is right for every sender of a fleet.
  std::string p = withRelease ? "+r@/" : "+@/";
  p += t.senderIface;
  p += ',';
  p += std::to_string(t.port);
  p += '@';
  p += t.address;
  p += '/';
  p += t.mac;
  return p;
}

std::string SenderConfig::render(const SenderConfigTarget& t) {
  const std::string port = std::to_string(t.port);
  std::ostringstream o;
  o << "# ncxdp receiver: " << t.address << " port " << port << " on " << t.iface;
  if (!t.mac.empty()) o << " (MAC " << t.mac << ")";
  o << "\n#\n";
  if (!t.mac.empty())
    o << "# The MAC is right for senders on the same L2 network as " << t.iface
      << ": they send unicast.\n"
         "# Senders behind a router must put their gateway's MAC there instead (`ip neigh` on the\n"
         "# sender); without a MAC the kernel broadcasts, which no router forwards.\n";
  else
    o << "# " << t.iface
      << " has no MAC address: give senders their next hop's MAC (`ip neigh` on the sender).\n"
         "# Without one the kernel broadcasts, which reaches only its own L2 segment.\n";
  o << "# Senders' interface: " << t.senderIface
    << " (--sender-iface). '+' is the extended format: sequence numbers,\n"
       "# so ncxdp counts every lost message, and dictionaries. Source port 6665 and the device's\n"
       "# own address are left to the kernel.\n";

  o << "\n## Stock netconsole, at boot: the kernel command line (or `modprobe netconsole` with it)\n"
    << "netconsole=" << param(t, false) << "\n";

  o << "\n## Stock netconsole, at runtime: configfs\n"
       "modprobe netconsole\n"
       "mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config\n"
       "mkdir /sys/kernel/config/netconsole/ncxdp\n"
       "cd /sys/kernel/config/netconsole/ncxdp\n"
    << "echo " << t.senderIface << " > dev_name\n"
    << "echo " << t.address << " > remote_ip\n"
    << "echo " << port << " > remote_port\n";
  if (!t.mac.empty()) o << "echo " << t.mac << " > remote_mac\n";
  o << "echo 1 > extended\n"
       "echo 1 > enabled\n"
       "# Kernels with a 'release' attribute here can also send their release: echo 1 > release\n"
       "# (before enabled).\n";

  o << "\n## ncxdp_tx (package ncxdp-tx-dkms): the same target, with the kernel release\n"
    << "modprobe ncxdp_tx targets=" << param(t, true) << "\n"
    << "# or at every boot, in /etc/modprobe.d/ncxdp_tx.conf:\n"
    << "options ncxdp_tx targets=" << param(t, true) << "\n";

  o << "\n## The console loglevel, on every sender\n"
       "# netconsole sends only the messages the console would print. Debian's `quiet` boot\n"
       "# parameter lowers the console loglevel to 4, so warnings (level 4) and everything less\n"
       "# severe are never sent. Raise it, at runtime:\n"
       "dmesg -n 8\n"
       "# or at boot: loglevel=8 on the kernel command line (or drop `quiet`). What was never sent\n"
       "# cannot be captured; ncxdp can filter by level afterwards.\n";

  o << "\n## Check\n"
    << "# On this receiver: ncxdp attach " << t.iface << " --port " << port << " (or ncxdp listen --port "
    << port << "); on a sender: echo 'hello ncxdp' > /dev/kmsg\n";
  return o.str();
}

namespace {

// The interface of the IPv4 default route (/proc/net/route: destination and mask 00000000).
std::string defaultRouteIface() {
  std::ifstream in("/proc/net/route");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string iface, dest, gateway, flags, refcnt, use, metric, mask;
    if (!(f >> iface >> dest >> gateway >> flags >> refcnt >> use >> metric >> mask)) continue;
    if (dest == "00000000" && mask == "00000000") return iface;
  }
  return {};
}

std::string readMac(const std::string& iface) {
  std::ifstream in("/sys/class/net/" + iface + "/address");
  std::string mac;
  if (!(in >> mac) || mac.size() != 17 || mac == "00:00:00:00:00:00") return {};
  return mac;
}

// The interface's first IPv4 address, else its first global IPv6 address (netconsole cannot
// use a link-local one: it has no scope to give it).
std::string ifaceAddress(const std::string& iface) {
  struct ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string v4, v6;
  char buf[INET6_ADDRSTRLEN];
  for (const struct ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || iface != a->ifa_name) continue;
    if (a->ifa_addr->sa_family == AF_INET && v4.empty()) {
      const auto* sin = reinterpret_cast<const struct sockaddr_in*>(a->ifa_addr);
      if (::inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf) != nullptr) v4 = buf;
    } else if (a->ifa_addr->sa_family == AF_INET6 && v6.empty()) {
      const auto* sin6 = reinterpret_cast<const struct sockaddr_in6*>(a->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) continue;
      if (::inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf) != nullptr) v6 = buf;
    }
  }
  ::freeifaddrs(list);
  return !v4.empty() ? v4 : v6;
}

}  // namespace

int SenderConfig::run(const SenderConfigOptions& options) {
  SenderConfigTarget t;
  t.port = options.port;
  t.senderIface = options.senderIface;
  if (t.senderIface.empty() || t.senderIface.size() >= IFNAMSIZ ||
      t.senderIface.find_first_of("/,@; ") != std::string::npos) {
    std::fprintf(stderr,
                 "ncxdp sender-config: --sender-iface '%s': not an interface name (1 to %d characters, "
                 "none of '/,@;' or spaces)\n",
                 t.senderIface.c_str(), IFNAMSIZ - 1);
    return 2;
  }
  t.iface = options.iface.empty() ? defaultRouteIface() : options.iface;
  if (t.iface.empty()) {
    std::fprintf(stderr,
                 "ncxdp sender-config: no default route to guess the receiving interface from; give "
                 "--iface (the interface senders reach this machine on)\n");
    return 2;
  }
  if (::if_nametoindex(t.iface.c_str()) == 0) {
    std::fprintf(stderr, "ncxdp sender-config: --iface %s: no such interface here (`ip link` lists them)\n",
                 t.iface.c_str());
    return 2;
  }
  t.mac = readMac(t.iface);
  if (!options.address.empty()) {
    unsigned char raw[sizeof(struct in6_addr)];
    if (::inet_pton(AF_INET, options.address.c_str(), raw) != 1 &&
        ::inet_pton(AF_INET6, options.address.c_str(), raw) != 1) {
      std::fprintf(stderr,
                   "ncxdp sender-config: --address '%s': not an IPv4 or IPv6 address (no brackets, no "
                   "port)\n",
                   options.address.c_str());
      return 2;
    }
    t.address = options.address;
  } else {
    t.address = ifaceAddress(t.iface);
    if (t.address.empty()) {
      std::fprintf(stderr,
                   "ncxdp sender-config: %s has no IPv4 or global IPv6 address; give --address (the "
                   "address senders send to)\n",
                   t.iface.c_str());
      return 1;
    }
  }
  const std::string text = options.paramOnly ? param(t, false) + "\n" : render(t);
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "ncxdp sender-config: cannot write to stdout\n");
    return 1;
  }
  return 0;
}

}  // namespace ncxdp
