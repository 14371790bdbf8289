// Shared by the BPF test tier (tests/bpf/): crafted frames, a bpf_prog_test_run wrapper that
// returns the verdict and the counters it moved, a private network namespace with a veth pair,
// and a bare AF_XDP socket. Everything that touches an interface runs in a namespace these
// helpers create on the test thread, so no test can reach the host's NICs.
#pragma once

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/in.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "capture/XdpProgram.h"
#include "capture/XskSocket.h"

#include "support/RequireRoot.h"

namespace ncxdp::bpftest {

using ::ncxdp::test::ciMode;

// Empty when the BPF tests can run here, else why not.
inline std::string bpfUnavailable() {
  if (geteuid() != 0) return "needs root to load BPF programs";
  if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, nullptr) != 1)
    return "the kernel refuses XDP programs here";
  return {};
}

// A skip under CI counts as a failure: CI must prove the BPF side, not quietly step around it.
#define REQUIRE_BPF() NCXDP_REQUIRE(::ncxdp::bpftest::bpfUnavailable())

using Bytes = std::vector<std::uint8_t>;
using Mac = std::array<std::uint8_t, 6>;

// ---- frames ----------------------------------------------------------------------------------

constexpr Mac kBroadcastMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr Mac kRxMac{0x02, 0x00, 0x5e, 0x00, 0x00, 0x01};
constexpr Mac kTxMac{0x02, 0x00, 0x5e, 0x00, 0x00, 0x02};
constexpr std::string_view kMessage = "<6>[   12.345678] netconsole: hello\n";
constexpr std::uint16_t kVlanTpid = 0x8100;
constexpr std::uint16_t kQinqTpid = 0x88a8;

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline Bytes cut(Bytes bytes, std::size_t length) {
  bytes.resize(length);
  return bytes;
}

inline void put16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

inline void putAddress(Bytes& out, int family, const char* text) {
  std::uint8_t addr[16];
  if (inet_pton(family, text, addr) != 1) throw std::invalid_argument(text);
  out.insert(out.end(), addr, addr + (family == AF_INET ? 4 : 16));
}

// Ethernet header, then one 4-byte tag per TPID in `tags`, then `type`.
inline Bytes ethernet(std::uint16_t type, std::initializer_list<std::uint16_t> tags = {},
                      const Mac& dst = kRxMac) {
  Bytes out(dst.begin(), dst.end());
  out.insert(out.end(), kTxMac.begin(), kTxMac.end());
  std::uint16_t vid = 100;
  for (std::uint16_t tpid : tags) {
    put16(out, tpid);
    put16(out, vid++);
  }
  put16(out, type);
  return out;
}

struct Ipv4Shape {
  std::uint8_t ihl = 5;  // header length in 32-bit words; below 5 still writes 20 bytes
  std::uint16_t fragOff = 0;
  std::uint8_t version = 4;
};

inline Bytes ipv4(std::uint8_t protocol, const char* src, const Bytes& l4, Ipv4Shape shape = {}) {
  const std::size_t headerLength = shape.ihl < 5 ? 20 : shape.ihl * 4u;
  Bytes out;
  out.push_back(static_cast<std::uint8_t>(shape.version << 4 | shape.ihl));
  out.push_back(0);
  put16(out, static_cast<std::uint16_t>(headerLength + l4.size()));
  put16(out, 0x1234);
  put16(out, shape.fragOff);
  out.push_back(64);
  out.push_back(protocol);
  put16(out, 0);
  putAddress(out, AF_INET, src);
  putAddress(out, AF_INET, "10.99.0.1");
  out.resize(headerLength, 1);  // IP options: NOPs
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < headerLength; i += 2)
    sum += static_cast<std::uint32_t>(out[i] << 8 | out[i + 1]);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  out[10] = static_cast<std::uint8_t>(~sum >> 8);
  out[11] = static_cast<std::uint8_t>(~sum);
  out.insert(out.end(), l4.begin(), l4.end());
  return out;
}

inline Bytes ipv6(std::uint8_t nextHeader, const char* src, const Bytes& payload, std::uint8_t version = 6) {
  Bytes out{static_cast<std::uint8_t>(version << 4), 0, 0, 0};
  put16(out, static_cast<std::uint16_t>(payload.size()));
  out.push_back(nextHeader);
  out.push_back(32);
  putAddress(out, AF_INET6, src);
  putAddress(out, AF_INET6, "fd00:99::1");
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// The program does not read UDP checksums, so they stay zero.
inline Bytes udp(std::uint16_t dstPort, std::uint16_t srcPort = 6665, std::string_view payload = kMessage) {
  Bytes out;
  put16(out, srcPort);
  put16(out, dstPort);
  put16(out, static_cast<std::uint16_t>(8 + payload.size()));
  put16(out, 0);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

inline Bytes udp4(std::uint16_t dstPort, const char* src = "10.1.2.3",
                  std::initializer_list<std::uint16_t> tags = {}, const Mac& dst = kRxMac) {
  return cat({ethernet(ETH_P_IP, tags, dst), ipv4(IPPROTO_UDP, src, udp(dstPort))});
}

inline Bytes udp6(std::uint16_t dstPort, const char* src = "fd00:1::5",
                  std::initializer_list<std::uint16_t> tags = {}, const Mac& dst = kRxMac) {
  return cat({ethernet(ETH_P_IPV6, tags, dst), ipv6(IPPROTO_UDP, src, udp(dstPort))});
}

// IPv6 fragment header (8 bytes) carrying `nextHeader`, offset 0 with more fragments to come.
inline Bytes ipv6Fragment(std::uint8_t nextHeader, const Bytes& rest) {
  return cat({Bytes{nextHeader, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef}, rest});
}

// Hop-by-hop options header of 8 bytes (PadN) carrying `nextHeader`.
inline Bytes ipv6HopByHop(std::uint8_t nextHeader, const Bytes& rest) {
  return cat({Bytes{nextHeader, 0, 1, 4, 0, 0, 0, 0}, rest});
}

inline Bytes tcpHeader(std::uint16_t dstPort) {
  Bytes out;
  put16(out, 40000);
  put16(out, dstPort);
  out.insert(out.end(), {0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0});
  return out;
}

// ---- running the program ---------------------------------------------------------------------

inline XdpCounters minus(const XdpCounters& after, const XdpCounters& before) {
  return {after.seen - before.seen,
          after.matched - before.matched,
          after.redirected - before.redirected,
          after.passed - before.passed,
          after.notAllowed - before.notAllowed,
          after.malformed - before.malformed,
          after.ipFragment - before.ipFragment};
}

struct RunOptions {
  // Bytes of XDP metadata in front of the frame: the only way to offer test_run a frame shorter
  // than an Ethernet header (see expectVerdict).
  std::uint32_t metaBytes = 0;
  int ingressIfindex = 0;  // 0: the namespace's loopback, queue 0
  std::uint32_t rxQueue = 0;
  int repeat = 1;
  std::uint32_t flags = 0;
};

struct RunResult {
  int error = 0;  // test_run's own failure (negative errno), not the program's
  std::uint32_t action = 0;
  XdpCounters delta;
};

inline RunResult run(const XdpProgram& program, const Bytes& frame, const RunOptions& options = {}) {
  Bytes input(options.metaBytes, 0);
  input.insert(input.end(), frame.begin(), frame.end());
  xdp_md ctx{};
  ctx.data = options.metaBytes;
  ctx.data_end = static_cast<std::uint32_t>(input.size());
  ctx.ingress_ifindex = static_cast<std::uint32_t>(options.ingressIfindex);
  ctx.rx_queue_index = options.rxQueue;
  const bool needCtx = options.metaBytes != 0 || options.ingressIfindex != 0;

  LIBBPF_OPTS(bpf_test_run_opts, opts);
  opts.data_in = input.data();
  opts.data_size_in = static_cast<std::uint32_t>(input.size());
  opts.ctx_in = needCtx ? &ctx : nullptr;
  opts.ctx_size_in = needCtx ? sizeof(ctx) : 0;
  opts.repeat = options.repeat;
  opts.flags = options.flags;

  RunResult result;
  const XdpCounters before = program.counters();
  result.error = bpf_prog_test_run_opts(program.progFd(), &opts);
  result.action = opts.retval;
  result.delta = minus(program.counters(), before);
  return result;
}

using Counter = std::uint64_t XdpCounters::*;

struct NamedCounter {
  Counter counter;
  const char* name;
};

// The outcomes: every frame lands in exactly one.
constexpr NamedCounter kOutcomes[] = {
    {&XdpCounters::matched, "matched"},        {&XdpCounters::passed, "passed"},
    {&XdpCounters::notAllowed, "not_allowed"}, {&XdpCounters::malformed, "malformed"},
    {&XdpCounters::ipFragment, "ip_fragment"},
};

struct VerdictCase {
  const char* description;
  Bytes frame;
  std::uint32_t action;
  Counter counter;
  std::uint32_t metaBytes = 0;
};

// Returns whether the program ran (see the short-frame case below).
inline bool expectVerdict(const XdpProgram& program, const VerdictCase& c) {
  SCOPED_TRACE(c.description);
  RunOptions options;
  options.metaBytes = c.metaBytes;
  const RunResult result = run(program, c.frame, options);
  if (c.frame.size() < ETH_HLEN && result.error == -EINVAL) {
    // test_run refuses frames shorter than an Ethernet header. The row puts XDP metadata in
    // front, which brings the input to that minimum on a kernel that counts metadata in it; 6.18
    // checks the frame after the metadata and refuses before the program runs. Then the
    // program's bound check for this case is out of a test's reach, and all that is left to
    // assert is that nothing was counted.
    EXPECT_EQ(result.delta.seen, 0u);
    return false;
  }
  EXPECT_EQ(result.error, 0) << "bpf_prog_test_run_opts: " << std::strerror(-result.error);
  if (result.error != 0) return false;
  EXPECT_EQ(result.action, c.action);
  EXPECT_EQ(result.delta.seen, 1u);
  for (const NamedCounter& outcome : kOutcomes) {
    EXPECT_EQ(result.delta.*outcome.counter, outcome.counter == c.counter ? 1u : 0u) << outcome.name;
  }
  EXPECT_EQ(result.delta.redirected, c.action == XDP_REDIRECT ? 1u : 0u) << "redirected";
  return true;
}

// With an empty XSKMAP a match comes back from bpf_redirect_map's XDP_PASS fallback; the
// counters say whether it was ours.
constexpr std::uint32_t kMatchedNoSocket = XDP_PASS;

// ---- network namespace -----------------------------------------------------------------------

inline std::string findIp() {
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return {};
}

struct CommandResult {
  int status = -1;
  std::string output;
};

// Runs a shell command in the calling thread's network namespace (children inherit it).
inline CommandResult runCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) result.output += buffer;
  result.status = pclose(pipe);
  return result;
}

// Moves the calling thread into a fresh, unnamed network namespace and back out on destruction.
// Nothing names the namespace, so when we leave it (or the process dies) the kernel deletes it
// with its veths: nothing leaks, even from a crashed test.
class PrivateNetns {
 public:
  PrivateNetns() {
    original_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original_ < 0) {
      error_ = std::string("open /proc/thread-self/ns/net: ") + std::strerror(errno);
      return;
    }
    if (unshare(CLONE_NEWNET) != 0) {
      error_ = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      return;
    }
    entered_ = true;
  }
  ~PrivateNetns() {
    // Staying in the private namespace would make every later test run somewhere unexpected.
    if (entered_ && setns(original_, CLONE_NEWNET) != 0) {
      std::perror("setns back to the original network namespace");
      std::abort();
    }
    if (original_ >= 0) close(original_);
  }
  PrivateNetns(const PrivateNetns&) = delete;
  PrivateNetns& operator=(const PrivateNetns&) = delete;

  const std::string& error() const { return error_; }

 private:
  int original_ = -1;
  bool entered_ = false;
  std::string error_;
};

// Names that exist only inside the private namespace.
constexpr const char* kVeth = "ncxdp0";
constexpr const char* kPeer = "ncxdp1";
constexpr const char* kMissing = "ncxdp-nosuch";
constexpr const char* kBridge = "ncxdpbr0";

struct XdpState {
  std::uint32_t progId = 0;  // whatever is attached, any mode
  std::uint8_t mode = XDP_ATTACHED_NONE;
};

inline XdpState queryXdp(int ifindex) {
  LIBBPF_OPTS(bpf_xdp_query_opts, query);
  if (int err = bpf_xdp_query(ifindex, 0, &query); err != 0) {
    throw std::runtime_error(std::string("bpf_xdp_query: ") + std::strerror(-err));
  }
  XdpState state;
  state.mode = query.attach_mode;
  for (std::uint32_t id : {query.prog_id, query.drv_prog_id, query.skb_prog_id}) {
    if (id != 0) state.progId = id;
  }
  return state;
}

// Detaching is synchronous today; the bound keeps a slower kernel from turning into a flaky test.
inline bool waitForProgId(int ifindex, std::uint32_t expected) {
  for (int i = 0; i < 200; ++i) {
    if (queryXdp(ifindex).progId == expected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

inline std::string expectThrows(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

// ---- AF_XDP socket ---------------------------------------------------------------------------

// One copy-mode AF_XDP socket on a queue of a veth (veth has no zero-copy), built by the same
// XskSocket and Umem the receiver uses, with every frame on the fill ring.
class TestXsk {
 public:
  static constexpr std::uint32_t kFrames = 64;

  TestXsk(const char* ifname, std::uint32_t queue) : socket_(ifname, queue, kFrames, XskBindMode::Copy) {}

  int fd() const { return socket_.fd(); }

  // The frames waiting in the RX ring, consumed.
  std::vector<Bytes> receive() {
    std::vector<Bytes> frames;
    xsk_ring_cons& rx = socket_.rx();
    std::uint32_t index = 0;
    const std::uint32_t n = xsk_ring_cons__peek(&rx, kFrames, &index);
    for (std::uint32_t i = 0; i < n; ++i) {
      const xdp_desc* desc = xsk_ring_cons__rx_desc(&rx, index + i);
      const std::uint8_t* data = socket_.umem().data(desc->addr);
      frames.emplace_back(data, data + desc->len);
    }
    xsk_ring_cons__release(&rx, n);
    return frames;
  }

 private:
  XskSocket socket_;
};

// ---- fixture: a veth pair in a private namespace ----------------------------------------------

// Each test runs in a fresh namespace holding kVeth <-> kPeer (two queues each, both up) and
// leaves it in TearDown, after the test body has destroyed its programs and sockets.
class XdpVethTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_BPF();
    ipTool_ = findIp();
    if (ipTool_.empty()) {
      if (ciMode()) FAIL() << "CI=true, cannot run: no ip(8) (iproute2)";
      GTEST_SKIP() << "no ip(8) (iproute2)";
    }
    netns_ = std::make_unique<PrivateNetns>();
    ASSERT_TRUE(netns_->error().empty()) << netns_->error();
    const std::string commands[] = {
        ipTool_ + " link add " + kVeth + " numtxqueues 2 numrxqueues 2 type veth peer name " + kPeer +
            " numtxqueues 2 numrxqueues 2",
        ipTool_ + " link set " + kVeth + " up",
        ipTool_ + " link set " + kPeer + " up",
    };
    for (const std::string& command : commands) {
      const CommandResult r = runCommand(command);
      ASSERT_EQ(r.status, 0) << command << ": " << r.output;
    }
    ifindex_ = static_cast<int>(if_nametoindex(kVeth));
    peerIndex_ = static_cast<int>(if_nametoindex(kPeer));
    ASSERT_NE(ifindex_, 0);
    ASSERT_NE(peerIndex_, 0);
  }
  void TearDown() override { netns_.reset(); }

  CommandResult showLink(const char* ifname) const {
    return runCommand(ipTool_ + " -d link show dev " + ifname);
  }

  std::string ipTool_;
  std::unique_ptr<PrivateNetns> netns_;
  int ifindex_ = 0;
  int peerIndex_ = 0;
};

}  // namespace ncxdp::bpftest
