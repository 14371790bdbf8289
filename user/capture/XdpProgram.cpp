#include "capture/XdpProgram.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <stdexcept>

#include "ncxdp.skel.h"
#include "ncxdp_shared.h"

namespace ncxdp {
namespace {

// libbpf_strerror also knows libbpf's own codes (LIBBPF_ERRNO__*, 4000 and up) that strerror does not.
[[noreturn]] void fail(const std::string& what, int err) {
  char text[128];
  libbpf_strerror(err, text, sizeof(text));
  // The usual cause when running as a service: a capability missing from the unit.
  const char* hint = err == EPERM || err == EACCES
                         ? "; attach needs root, or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW and "
                           "CAP_IPC_LOCK (see packaging/systemd/ncxdp@.service)"
                         : "";
  throw std::runtime_error(what + ": " + text + " (errno " + std::to_string(err) + ")" + hint);
}

std::string badPrefix(std::string_view text, std::string_view why) {
  return "allowlist entry '" + std::string(text) + "': " + std::string(why);
}

void clearHostBits(IpPrefix& prefix) {
  const std::size_t bytes = prefix.family == AF_INET ? 4 : 16;
  for (std::size_t i = 0; i < bytes; ++i) {
    const std::uint32_t firstBit = static_cast<std::uint32_t>(i) * 8;
    if (firstBit >= prefix.length) {
      prefix.addr[i] = 0;
    } else if (prefix.length - firstBit < 8) {
      prefix.addr[i] &= static_cast<std::uint8_t>(0xff00 >> (prefix.length - firstBit));
    }
  }
}

// Whatever XDP program the interface carries, in any mode; 0 when none.
std::uint32_t attachedProgramId(int ifindex, const std::string& context) {
  LIBBPF_OPTS(bpf_xdp_query_opts, query);
  if (int err = bpf_xdp_query(ifindex, 0, &query); err != 0) {
    fail(context + ": query XDP state", -err);
  }
  for (std::uint32_t id : {query.prog_id, query.drv_prog_id, query.skb_prog_id, query.hw_prog_id}) {
    if (id != 0) return id;
  }
  return 0;
}

// The interface's MTU, or 0 when it cannot be read.
int interfaceMtu(const std::string& ifname) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  ifreq req{};
  ifname.copy(req.ifr_name, IFNAMSIZ - 1);
  const int mtu = ioctl(fd, SIOCGIFMTU, &req) == 0 ? req.ifr_mtu : 0;
  close(fd);
  return mtu;
}

// Native XDP without multi-buffer support (ours) needs every frame in one page, after the
// headroom XDP reserves and the skb_shared_info the kernel keeps at the end: 3506 bytes of MTU on
// veth with 4 KiB pages, a little less on some drivers. The kernel says only ERANGE.
std::string mtuAdvice(const std::string& ifname) {
  const int mtu = interfaceMtu(ifname);
  const long page = sysconf(_SC_PAGESIZE);
  const long limit = page - 256 /* XDP_PACKET_HEADROOM */ - 14 /* Ethernet */ - 320 /* skb_shared_info */;
  std::string out = "; native XDP needs each frame to fit one " + std::to_string(page) +
                    "-byte page, so the MTU can be at most " + std::to_string(limit) +
                    " (on veth; a little less on some drivers)";
  if (mtu > 0) out = "; the MTU of " + ifname + " is " + std::to_string(mtu) + ", but" + out.substr(1);
  return out + ": lower it (ip link set dev " + ifname + " mtu 1500) or use --mode generic";
}

[[noreturn]] void failAlreadyAttached(const std::string& ifname, std::uint32_t id) {
  throw std::runtime_error(ifname + " already has an XDP program attached (id " + std::to_string(id) +
                           "); detach it first (ip link set dev " + ifname + " xdp off)");
}

}  // namespace

std::string_view xdpModeName(XdpMode mode) {
  switch (mode) {
    case XdpMode::Native:
      return "native";
    case XdpMode::Generic:
      return "generic";
    case XdpMode::Auto:
      return "auto";
  }
  return "?";
}

IpPrefix parseIpPrefix(std::string_view text) {
  if (text.empty()) throw std::runtime_error(badPrefix(text, "empty"));
  const std::size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  IpPrefix prefix;
  if (address.find(':') != std::string::npos) {
    prefix.family = AF_INET6;
    prefix.length = 128;
  } else {
    prefix.family = AF_INET;
    prefix.length = 32;
  }
  if (inet_pton(prefix.family, address.c_str(), prefix.addr.data()) != 1) {
    throw std::runtime_error(badPrefix(
        text, "'" + address + "' is not an " + (prefix.family == AF_INET ? "IPv4" : "IPv6") + " address"));
  }
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const std::uint32_t maxLength = prefix.length;
    std::uint32_t length = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || length > maxLength) {
      throw std::runtime_error(
          badPrefix(text, "prefix length must be a number from 0 to " + std::to_string(maxLength)));
    }
    prefix.length = length;
  }
  // "10.251.1.1/24" is most likely a host address with the wrong length or a network with a typo:
  // either way a silent fix would allow something else than the operator thinks, so say which.
  const std::array<std::uint8_t, 16> given = prefix.addr;
  clearHostBits(prefix);
  if (prefix.addr != given) {
    char network[INET6_ADDRSTRLEN] = {};
    inet_ntop(prefix.family, prefix.addr.data(), network, sizeof network);
    const std::uint32_t hostLength = prefix.family == AF_INET ? 32 : 128;
    throw std::runtime_error(badPrefix(text, "host bits are set; did you mean " + std::string(network) + "/" +
                                                 std::to_string(prefix.length) + " (the network) or " +
                                                 address + "/" + std::to_string(hostLength) +
                                                 " (the host alone)?"));
  }
  return prefix;
}

void XdpProgram::SkeletonDeleter::operator()(ncxdp_bpf* skel) const {
  ncxdp_bpf__destroy(skel);
}

namespace {

// Read from whatever thread the libraries print on; set once before anything is loaded.
std::atomic<bool> libraryLogsVerbose{false};

// Both libraries start their lines with their own name ("libbpf: ..."). Debug output (every ELF
// section, every relocation) is never wanted on a receiver's stderr.
int printLibraryMessage(bool warning, bool debug, const char* format, va_list args) {
  if (debug || (!warning && !libraryLogsVerbose.load(std::memory_order_relaxed))) return 0;
  std::fputs("ncxdp: ", stderr);
  return std::vfprintf(stderr, format, args);
}

int printLibbpf(enum libbpf_print_level level, const char* format, va_list args) {
  return printLibraryMessage(level == LIBBPF_WARN, level == LIBBPF_DEBUG, format, args);
}

int printLibxdp(enum libxdp_print_level level, const char* format, va_list args) {
  return printLibraryMessage(level == LIBXDP_WARN, level == LIBXDP_DEBUG, format, args);
}

}  // namespace

void XdpProgram::routeLibraryLogs(bool verbose) {
  libraryLogsVerbose.store(verbose, std::memory_order_relaxed);
  libbpf_set_print(printLibbpf);
  libxdp_set_print(printLibxdp);
}

XdpProgram::XdpProgram(const XdpConfig& config) : queues_(config.queues) {
  // Everything that can be wrong with the configuration fails before the kernel is involved.
  if (config.ports.empty()) throw std::runtime_error("XDP program: no UDP port to capture");
  for (std::uint16_t port : config.ports) {
    if (port == 0) throw std::runtime_error("XDP program: UDP port 0 cannot be captured");
  }
  if (queues_ == 0) throw std::runtime_error("XDP program: the XSK map needs at least one queue");
  std::vector<IpPrefix> prefixes;
  std::size_t v4 = 0;
  for (const std::string& entry : config.allowlist) {
    prefixes.push_back(parseIpPrefix(entry));
    v4 += prefixes.back().family == AF_INET ? 1 : 0;
  }
  if (v4 > NCXDP_ALLOW_MAX || prefixes.size() - v4 > NCXDP_ALLOW_MAX) {
    throw std::runtime_error("XDP program: allowlist holds at most " + std::to_string(NCXDP_ALLOW_MAX) +
                             " prefixes per address family");
  }

  skel_.reset(ncxdp_bpf__open());
  if (!skel_) fail("open XDP program", errno);
  // Read-only data and map sizes are frozen by the load below.
  skel_->rodata->allowlist_enabled = prefixes.empty() ? 0 : 1;
  if (int err = bpf_map__set_max_entries(skel_->maps.xsks, queues_); err != 0) {
    fail("size the XSK map to " + std::to_string(queues_) + " queues", -err);
  }
  if (int err = ncxdp_bpf__load(skel_.get()); err != 0) fail("load XDP program", -err);

  fillPorts(config.ports);
  for (const IpPrefix& prefix : prefixes) {
    int err = 0;
    if (prefix.family == AF_INET) {
      ncxdp_prefix_v4 key{prefix.length, {}};
      std::copy_n(prefix.addr.begin(), sizeof(key.addr), key.addr);
      const std::uint8_t allowed = 1;
      err = bpf_map_update_elem(bpf_map__fd(skel_->maps.allow_v4), &key, &allowed, BPF_ANY);
    } else {
      ncxdp_prefix_v6 key{prefix.length, {}};
      std::copy_n(prefix.addr.begin(), sizeof(key.addr), key.addr);
      const std::uint8_t allowed = 1;
      err = bpf_map_update_elem(bpf_map__fd(skel_->maps.allow_v6), &key, &allowed, BPF_ANY);
    }
    if (err != 0) fail("add allowlist prefix to the XDP program", errno);
  }
}

XdpProgram::~XdpProgram() {
  detach();
}

void XdpProgram::fillPorts(const std::vector<std::uint16_t>& ports) {
  // 8 KiB: on the heap rather than the stack of whoever constructs us.
  auto set = std::make_unique<ncxdp_port_set>();
  for (std::uint16_t port : ports) set->bits[port / 64] |= std::uint64_t{1} << (port % 64);
  const std::uint32_t zero = 0;
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.ports), &zero, set.get(), BPF_ANY) != 0) {
    fail("fill the XDP port set", errno);
  }
}

int XdpProgram::linkCreate(int ifindex, std::uint32_t flags) {
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
  const int fd = bpf_link_create(progFd(), ifindex, BPF_XDP, &opts);
  if (fd < 0) return -fd;
  linkFd_.reset(fd);
  return 0;
}

int XdpProgram::requireFree(const std::string& ifname) const {
  const std::string context = "attach XDP to " + ifname;
  if (attached()) throw std::runtime_error(context + ": this program is already attached to " + ifname_);
  const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  if (ifindex == 0) {
    if (errno == ENODEV || errno == ENXIO) throw std::runtime_error(context + ": no such interface");
    fail(context, errno);
  }
  // The kernel would refuse too (EBUSY/EEXIST), but cannot say which program is in the way.
  if (std::uint32_t id = attachedProgramId(ifindex, context); id != 0) failAlreadyAttached(ifname, id);
  return ifindex;
}

void XdpProgram::attach(const std::string& ifname, XdpMode mode) {
  const std::string context = "attach XDP to " + ifname;
  const int ifindex = requireFree(ifname);

  XdpMode effective = mode == XdpMode::Generic ? XdpMode::Generic : XdpMode::Native;
  int err = linkCreate(ifindex, effective == XdpMode::Native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
  if (err != 0 && mode == XdpMode::Auto && err != EBUSY && err != EEXIST) {
    char text[128];
    libbpf_strerror(err, text, sizeof(text));
    const std::string why =
        err == ERANGE ? ", the MTU " + std::to_string(interfaceMtu(ifname)) + " is too large for it" : "";
    std::fprintf(stderr, "ncxdp: %s: native XDP failed (%s%s), falling back to generic XDP (slower)\n",
                 ifname.c_str(), text, why.c_str());
    effective = XdpMode::Generic;
    err = linkCreate(ifindex, XDP_FLAGS_SKB_MODE);
  }
  if (err == EBUSY || err == EEXIST) {
    // Someone attached between our query and our attach.
    if (std::uint32_t id = attachedProgramId(ifindex, context); id != 0) failAlreadyAttached(ifname, id);
  }
  if (err == ERANGE && effective == XdpMode::Native) {
    char text[128];
    libbpf_strerror(err, text, sizeof(text));
    throw std::runtime_error(context + " (native mode): " + text + mtuAdvice(ifname));
  }
  if (err != 0) fail(context + " (" + std::string(xdpModeName(effective)) + " mode)", err);
  ifname_ = ifname;
  ifindex_ = ifindex;
  attachedMode_ = effective;
}

void XdpProgram::detach() {
  if (!linkFd_) return;
  // The link is the only reference to the attachment: closing it takes the program off the NIC.
  linkFd_.reset();
  ifname_.clear();
  ifindex_ = 0;
}

int XdpProgram::progFd() const {
  return bpf_program__fd(skel_->progs.ncxdp_xdp);
}

std::uint32_t XdpProgram::progId() const {
  bpf_prog_info info{};
  std::uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(progFd(), &info, &length) != 0) fail("query XDP program id", errno);
  return info.id;
}

int XdpProgram::xskMapFd() const {
  return bpf_map__fd(skel_->maps.xsks);
}

void XdpProgram::checkQueue(std::string_view what, std::uint32_t queue) const {
  if (queue >= queues_) {
    throw std::runtime_error(std::string(what) + " for queue " + std::to_string(queue) +
                             ": the XSK map has " + std::to_string(queues_) + " slots");
  }
}

void XdpProgram::setXsk(std::uint32_t queue, int xskFd) {
  checkQueue("insert AF_XDP socket", queue);
  const std::uint32_t value = static_cast<std::uint32_t>(xskFd);
  if (bpf_map_update_elem(xskMapFd(), &queue, &value, BPF_ANY) != 0) {
    fail("insert AF_XDP socket for queue " + std::to_string(queue), errno);
  }
}

void XdpProgram::clearXsk(std::uint32_t queue) {
  checkQueue("remove AF_XDP socket", queue);
  if (bpf_map_delete_elem(xskMapFd(), &queue) != 0 && errno != ENOENT) {
    fail("remove AF_XDP socket for queue " + std::to_string(queue), errno);
  }
}

XdpCounters XdpProgram::counters() const {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) fail("read XDP counters: count CPUs", -cpus);
  // A per-CPU lookup fills one value per possible CPU.
  std::vector<std::uint64_t> perCpu(static_cast<std::size_t>(cpus));
  std::uint64_t sums[NCXDP_CNT_MAX] = {};
  const int fd = bpf_map__fd(skel_->maps.counters);
  for (std::uint32_t slot = 0; slot < NCXDP_CNT_MAX; ++slot) {
    if (bpf_map_lookup_elem(fd, &slot, perCpu.data()) != 0) fail("read XDP counters", errno);
    for (std::uint64_t value : perCpu) sums[slot] += value;
  }
  XdpCounters out;
  out.seen = sums[NCXDP_CNT_SEEN];
  out.matched = sums[NCXDP_CNT_MATCHED];
  out.redirected = sums[NCXDP_CNT_REDIRECTED];
  out.passed = sums[NCXDP_CNT_PASSED];
  out.notAllowed = sums[NCXDP_CNT_NOT_ALLOWED];
  out.malformed = sums[NCXDP_CNT_MALFORMED];
  out.ipFragment = sums[NCXDP_CNT_IP_FRAGMENT];
  return out;
}

}  // namespace ncxdp
