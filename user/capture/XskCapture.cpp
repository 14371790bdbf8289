#include "capture/XskCapture.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pcap/dlt.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include "capture/FrameParser.h"
#include "ring/RingWriter.h"

namespace ncxdp {

namespace {

// Descriptors taken from the RX ring per peek.
constexpr std::uint32_t kBatch = 64;
// Batches per wakeup before looking at the clock and the stop flag again.
constexpr int kMaxBatchesPerWake = 64;

// 0 when the driver has no ETHTOOL_GCHANNELS.
std::uint32_t ethtoolQueues(const std::string& ifname) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  ethtool_channels channels{};
  channels.cmd = ETHTOOL_GCHANNELS;
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname.c_str());
  ifr.ifr_data = reinterpret_cast<char*>(&channels);
  const int rc = ioctl(fd, SIOCETHTOOL, &ifr);
  close(fd);
  return rc == 0 ? channels.rx_count + channels.combined_count : 0;
}

std::uint32_t sysfsQueues(const std::string& ifname) {
  std::error_code ec;
  std::uint32_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net/" + ifname + "/queues", ec))
    if (entry.path().filename().string().rfind("rx-", 0) == 0) ++count;
  return count;
}

}  // namespace

struct XskCapture::Worker {
  Worker(std::size_t i, std::unique_ptr<XskSocket> s) : index(i), socket(std::move(s)) {}

  std::size_t index;
  std::unique_ptr<XskSocket> socket;
  CaptureStats stats;  // owned by the worker thread until join
  // Published once per batch for the status line.
  std::atomic<std::uint64_t> liveReceived{0};
  std::atomic<std::uint64_t> liveRecords{0};
};

std::uint32_t XskCapture::rxQueueCount(const std::string& ifname) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ || if_nametoindex(ifname.c_str()) == 0)
    throw std::runtime_error("no such interface: " + ifname);
  const std::uint32_t ethtool = ethtoolQueues(ifname);
  const std::uint32_t sysfs = sysfsQueues(ifname);
  // veth reports its queues both as rx and as combined channels, so the ethtool sum can double
  // count; sysfs lists every allocated queue, even ones not in use. The smaller is right.
  if (ethtool != 0 && sysfs != 0) return std::min(ethtool, sysfs);
  if (ethtool != 0) return ethtool;
  if (sysfs != 0) return sysfs;
  return 1;
}

std::vector<std::uint32_t> XskCapture::parseQueues(std::string_view text, std::uint32_t available) {
  std::vector<std::uint32_t> out;
  if (text == "all") {
    for (std::uint32_t q = 0; q < available; ++q) out.push_back(q);
    return out;
  }
  const auto bad = [&](std::string_view part, const std::string& why) {
    return std::runtime_error("bad --queues '" + std::string(text) + "': '" + std::string(part) + "' " + why);
  };
  const auto number = [&](std::string_view part, std::string_view digits) {
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
      throw bad(part, "is not a queue number or range (want all, or a list like 0,2,4-7)");
    if (value >= available)
      throw bad(part, "is out of range: the interface has " + std::to_string(available) + " RX queue(s)");
    return value;
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view part = text.substr(start, comma - start);
    const std::size_t dash = part.find('-');
    const std::uint32_t first = number(part, part.substr(0, dash));
    const std::uint32_t last = dash == std::string_view::npos ? first : number(part, part.substr(dash + 1));
    if (last < first) throw bad(part, "is an empty range");
    for (std::uint32_t q = first; q <= last; ++q)
      if (std::find(out.begin(), out.end(), q) == out.end()) out.push_back(q);
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

XdpConfig programConfig(const AttachConfig& config) {
  if (config.queues.empty()) throw std::runtime_error("no receive queue to capture");
  XdpConfig out;
  out.ports = config.ports;
  out.allowlist = config.allowlist;
  out.queues = *std::max_element(config.queues.begin(), config.queues.end()) + 1;
  return out;
}

// The kernel counts a frame dropped for want of a fill-ring entry twice: in rx_dropped and in
// rx_fill_ring_empty_descs. What is left of rx_dropped are the other reasons.
std::uint64_t otherDrops(const XskStats& x) {
  const std::uint64_t other = x.rxDropped > x.fillRingEmpty ? x.rxDropped - x.fillRingEmpty : 0;
  return other + x.rxInvalidDescs;
}

}  // namespace

XskCapture::XskCapture(AttachConfig config, Pipeline& pipeline)
    : LiveCapture(pipeline, config.decoder, config.queues.size()),
      config_(std::move(config)),
      program_(programConfig(config_)) {
  program_.attach(config_.ifname, config_.mode);
  // If anything below throws, the destructors of the sockets made so far and of program_ undo
  // it all: sockets close (leaving the XSKMAP) and the link closes (the program leaves the NIC).
  for (std::size_t i = 0; i < config_.queues.size(); ++i) {
    const std::uint32_t queue = config_.queues[i];
    auto socket = std::make_unique<XskSocket>(config_.ifname, queue, config_.ringSize, config_.bind);
    program_.setXsk(queue, socket->fd());
    workers_.push_back(std::make_unique<Worker>(i, std::move(socket)));
  }
  if (config_.verbose) {
    std::string queues;
    for (std::uint32_t q : config_.queues) queues += (queues.empty() ? "" : ",") + std::to_string(q);
    std::fprintf(
        stderr, "ncxdp attach: %s, XDP program id %u in %s mode, AF_XDP %s on queue(s) %s, rings of %u\n",
        config_.ifname.c_str(), program_.progId(), std::string(xdpModeName(program_.attachedMode())).c_str(),
        zeroCopy() ? "zero-copy" : "copy", queues.c_str(), config_.ringSize);
  }
}

XskCapture::~XskCapture() {
  stopAndJoin();
  for (const auto& w : workers_) {
    try {
      program_.clearXsk(w->socket->queue());
    } catch (const std::exception&) {
      // Closing the socket removes it from the map anyway; the program leaves with program_.
    }
  }
}

bool XskCapture::zeroCopy() const {
  return !workers_.empty() &&
         std::all_of(workers_.begin(), workers_.end(), [](const auto& w) { return w->socket->zeroCopy(); });
}

CaptureStats XskCapture::stats() const {
  CaptureStats out = laneTotals();
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    const XskStats x = socketStats(i);
    out.xskRxDropped += otherDrops(x);
    out.xskRxRingFull += x.rxRingFull;
    out.xskFillRingEmpty += x.fillRingEmpty;
  }
  return out;
}

void XskCapture::addLaneCounters(std::size_t lane, CaptureStats& out) const {
  const CaptureStats& w = workers_[lane]->stats;
  out.received += w.received;
  out.truncated += w.truncated;
  out.notUdp += w.notUdp;
  out.ipFragments += w.ipFragments;
  out.malformed += w.malformed;
  out.filtered += w.filtered;
}

std::uint32_t XskCapture::laneId(std::size_t lane) const {
  return config_.queues[lane];
}

XskStats XskCapture::socketStats(std::size_t lane) const {
  return workers_[lane]->socket->stats();
}

XskLiveStats XskCapture::liveStats() const {
  XskLiveStats out;
  for (const auto& w : workers_) {
    out.received += w->liveReceived.load(std::memory_order_relaxed);
    out.records += w->liveRecords.load(std::memory_order_relaxed);
    const XskStats x = w->socket->stats();
    out.xsk.rxDropped += otherDrops(x);
    out.xsk.rxRingFull += x.rxRingFull;
    out.xsk.fillRingEmpty += x.fillRingEmpty;
  }
  return out;
}

std::uint32_t XskCapture::receiveBatch(Worker& w, RingWriter& out) {
  XskSocket& socket = *w.socket;
  xsk_ring_cons& rx = socket.rx();
  Umem& umem = socket.umem();
  std::uint32_t rxIndex = 0;
  const std::uint32_t n = xsk_ring_cons__peek(&rx, kBatch, &rxIndex);
  if (n == 0) return 0;
  // Every frame is either in the fill ring, in the RX ring or in this batch, and the fill ring
  // has a slot per frame, so this reservation cannot fail.
  std::uint32_t fillIndex = 0;
  const std::uint32_t reserved = xsk_ring_prod__reserve(&umem.fill(), n, &fillIndex);
  Decoder& dec = decoder(w.index);
  const std::uint64_t nowUs = realtimeUs();
  for (std::uint32_t i = 0; i < n; ++i) {
    const xdp_desc* desc = xsk_ring_cons__rx_desc(&rx, rxIndex + i);
    const std::uint64_t addr = xsk_umem__add_offset_to_addr(desc->addr);
    ++w.stats.received;
    ParsedFrame frame;
    switch (parseFrame(DLT_EN10MB, {umem.data(addr), desc->len}, frame)) {
      case FrameResult::Udp:
        dec.feed(frame.src, frame.payload, nowUs, out);
        break;
      case FrameResult::IpFragment:
        ++w.stats.ipFragments;
        break;
      case FrameResult::Truncated:
        ++w.stats.truncated;
        break;
      case FrameResult::Malformed:
        ++w.stats.malformed;
        break;
      case FrameResult::NotUdp:
      case FrameResult::UnsupportedLink:
        ++w.stats.notUdp;
        break;
    }
    if (i < reserved)
      *xsk_ring_prod__fill_addr(&umem.fill(), fillIndex + i) = xsk_umem__extract_addr(desc->addr);
  }
  xsk_ring_prod__submit(&umem.fill(), reserved);
  xsk_ring_cons__release(&rx, n);
  const DecoderStats& d = dec.stats();
  w.liveReceived.store(w.stats.received, std::memory_order_relaxed);
  w.liveRecords.store(d.recordsPlain + d.recordsExtended, std::memory_order_relaxed);
  return n;
}

bool XskCapture::receive(std::size_t lane, RingWriter& out) {
  Worker& w = *workers_[lane];
  if (drainQueued(lane, out)) return true;
  // Idle: sleep in poll, which also kicks the driver when the fill ring needs a wakeup. A busy
  // spin here would starve NAPI on a shared core.
  pollfd pfd{w.socket->fd(), POLLIN, 0};
  const int ready = poll(&pfd, 1, kWaitMs);
  if (ready < 0) {
    if (errno == EINTR) return false;
    throw std::runtime_error(std::string("poll on AF_XDP socket: ") + std::strerror(errno));
  }
  return ready > 0 && receiveBatch(w, out) > 0;
}

bool XskCapture::drainQueued(std::size_t lane, RingWriter& out) {
  // What the RX ring holds, without waiting: the busy path of receive(), and after a stop the
  // frames already taken from the wire.
  Worker& w = *workers_[lane];
  bool any = false;
  for (int batch = 0; batch < kMaxBatchesPerWake; ++batch) {
    const std::uint32_t got = receiveBatch(w, out);
    any |= got > 0;
    if (got < kBatch) break;
  }
  return any;
}

}  // namespace ncxdp
