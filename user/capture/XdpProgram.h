// The XDP half of AF_XDP capture: loads bpf/ncxdp.bpf.c through its generated skeleton, fills
// its port set and source allowlist, and attaches it to one interface through a bpf_link, so the
// program leaves the NIC when this object, or the whole process, goes away. Setup code only:
// nothing here runs per packet.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/UniqueFd.h"

struct ncxdp_bpf;

namespace ncxdp {

enum class XdpMode {
  Native,   // in the driver (XDP_FLAGS_DRV_MODE); fails when the driver has no XDP support
  Generic,  // after the kernel built an skb (XDP_FLAGS_SKB_MODE); works everywhere, slower
  Auto,     // native, falling back to generic with a message on stderr
};

std::string_view xdpModeName(XdpMode mode);

// One allowlist entry. "10.0.0.0/8", "fd00::/64"; a bare address means the host alone.
struct IpPrefix {
  int family = 0;                       // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> addr{};  // network order, host bits cleared; IPv4 uses 4 bytes
  std::uint32_t length = 0;             // prefix length in bits
};

// Throws std::runtime_error naming the text and what is wrong with it, host bits set included
// ("10.1.2.3/24": did you mean 10.1.2.0/24 or 10.1.2.3/32?).
IpPrefix parseIpPrefix(std::string_view text);

struct XdpConfig {
  std::vector<std::uint16_t> ports{6666};  // UDP destination ports that are netconsole
  // Sources allowed to reach the sockets, as CIDR strings. Empty: any source. The allowlist is
  // compiled into the program at load, so it cannot be switched on later.
  std::vector<std::string> allowlist;
  std::uint32_t queues = 64;  // XSKMAP slots: one per receive queue of the interface
};

// Sums of the program's per-CPU counters (see enum ncxdp_counter in bpf/ncxdp_shared.h).
struct XdpCounters {
  std::uint64_t seen = 0;
  std::uint64_t matched = 0;
  std::uint64_t redirected = 0;
  std::uint64_t passed = 0;
  std::uint64_t notAllowed = 0;
  std::uint64_t malformed = 0;
  std::uint64_t ipFragment = 0;
};

class XdpProgram {
 public:
  // Opens, configures and loads the program and fills its maps; does not attach. Throws
  // std::runtime_error ("load XDP program: Operation not permitted (errno 1)", a bad prefix...).
  explicit XdpProgram(const XdpConfig& config);
  ~XdpProgram();

  // Routes libbpf's and libxdp's own messages to stderr, prefixed with the library's name:
  // warnings always, their info lines only with `verbose` (-v), their debug chatter never. Without this both
  // libraries print what they like, and -v could not quiet or raise them. Call before loading.
  static void routeLibraryLogs(bool verbose);
  XdpProgram(const XdpProgram&) = delete;
  XdpProgram& operator=(const XdpProgram&) = delete;

  // Attaches to the interface of that name (in the calling thread's network namespace). Refuses
  // an interface that already carries an XDP program, ours or anyone's.
  void attach(const std::string& ifname, XdpMode mode = XdpMode::Auto);
  // The checks attach() starts with, for a caller that sets up more before attaching: throws
  // when IFNAME does not exist or already has an XDP program (naming it). Returns its ifindex.
  int requireFree(const std::string& ifname) const;
  // Removes the program from the interface (the destructor does it too). No-op when detached.
  void detach();
  bool attached() const { return bool(linkFd_); }
  // Native or Generic: what attach() ended up with. Meaningless while detached.
  XdpMode attachedMode() const { return attachedMode_; }
  const std::string& interfaceName() const { return ifname_; }
  int ifindex() const { return ifindex_; }

  int progFd() const;
  std::uint32_t progId() const;
  // The XSKMAP the AF_XDP side fills with one socket per receive queue.
  int xskMapFd() const;
  std::uint32_t queues() const { return queues_; }
  // Steers matches on `queue` to the AF_XDP socket xskFd (replacing any previous one).
  void setXsk(std::uint32_t queue, int xskFd);
  // Matches on `queue` go to the kernel again. No-op when the slot is empty.
  void clearXsk(std::uint32_t queue);

  XdpCounters counters() const;

 private:
  struct SkeletonDeleter {
    void operator()(ncxdp_bpf* skel) const;
  };

  void fillPorts(const std::vector<std::uint16_t>& ports);
  void checkQueue(std::string_view what, std::uint32_t queue) const;
  // Returns 0 or the errno of bpf_link_create with that XDP_FLAGS_* mode.
  int linkCreate(int ifindex, std::uint32_t flags);

  std::unique_ptr<ncxdp_bpf, SkeletonDeleter> skel_;
  std::uint32_t queues_ = 0;
  // The bpf_link owning the attachment: closing it (even by dying) detaches the program.
  UniqueFd linkFd_;
  std::string ifname_;
  int ifindex_ = 0;
  XdpMode attachedMode_ = XdpMode::Native;
};

}  // namespace ncxdp
