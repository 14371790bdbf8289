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
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <utility>

#include "capture/FrameParser.h"
#include "pipeline/Pipeline.h"
#include "pipeline/SinkPriority.h"
#include "ring/Cadence.h"
#include "ring/RingWriter.h"
#include "util/ThreadName.h"

namespace ncxdp {

namespace {

// Descriptors taken from the RX ring per peek.
constexpr std::uint32_t kBatch = 64;
// Batches per wakeup before looking at the stop flag again.
constexpr int kMaxBatchesPerWake = 64;
// After a stop, the capture thread reads what the RX ring already holds, bounded in case
// senders keep sending.
constexpr int kMaxDrainPasses = 64;
// Datagrams decoded per pass of the decoder thread, between looks at the clock (decoder ticks)
// and chances for other threads on the same core to run.
constexpr std::size_t kDecodeBatch = 128;

// Only the capture thread stores these counters, so a load + relaxed store is enough and avoids
// a locked read-modify-write per frame.
void bump(std::atomic<std::uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

std::uint64_t load(const std::atomic<std::uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

// "64 MiB", "256 KiB": burst buffer shares are powers of two of at least 64 KiB.
std::string sizeText(std::size_t bytes) {
  if (bytes >= (std::size_t(1) << 30) && bytes % (std::size_t(1) << 30) == 0)
    return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (std::size_t(1) << 20) && bytes % (std::size_t(1) << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes >> 10) + " KiB";
}

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
  Worker(std::size_t i, std::unique_ptr<XskSocket> s, std::size_t burstBytes)
      : index(i), socket(std::move(s)), burst(burstBytes) {
    fillStash.reserve(socket->umem().frames());
  }

  std::size_t index;
  std::unique_ptr<XskSocket> socket;
  BurstBuffer burst;
  std::thread capture;
  // Written by the capture thread before burst.close(); read by the decoder thread only after
  // burst.finished() (whose acquire pairs with close()'s release).
  std::string captureError;
  // Set by the decoder thread when it stops consuming: the capture thread then stops too, and
  // no longer waits for room in a buffer nobody empties.
  std::atomic<bool> decoderGone{false};
  // The decoder thread's priority, made on that thread on its first pass.
  std::optional<SinkPriority> priority;
  // Capture-thread counters, read by the decoder thread's publish() and by liveStats().
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> truncated{0};
  std::atomic<std::uint64_t> notUdp{0};
  std::atomic<std::uint64_t> ipFragments{0};
  std::atomic<std::uint64_t> malformed{0};
  // Published by the decoder thread once per pass for the status line.
  std::atomic<std::uint64_t> liveRecords{0};
  // The decoder thread's wait between batches while traffic flows (ring/Cadence.h).
  Cadence decodeCadence;
  // Capture thread: frames already copied out that the fill ring had no room for yet (see
  // copyBatch). Reserved for every frame of the UMEM, so pushing never allocates.
  std::vector<std::uint64_t> fillStash;
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

std::uint32_t XskCapture::defaultRingSize(std::size_t queues) {
  constexpr std::uint32_t kMax = 32768, kMin = 4096, kTotal = 65536;
  std::uint32_t ring = kMax;
  while (ring > kMin && std::size_t(ring) * std::max<std::size_t>(queues, 1) > kTotal) ring /= 2;
  return ring;
}

std::size_t XskCapture::burstBufferPerQueue(std::size_t total, std::size_t queues) {
  const std::size_t share = queues == 0 ? total : total / queues;
  if (share < kMinBurstBufferBytes)
    throw std::runtime_error("--burst-buffer " + sizeText(total) + " is too small for " +
                             std::to_string(queues) + " queue(s): need at least " +
                             sizeText(kMinBurstBufferBytes) + " per queue");
  const std::size_t perQueue = std::bit_floor(share);
  if (perQueue > kMaxBurstBufferBytes)
    throw std::runtime_error("--burst-buffer " + std::to_string(total) + " bytes is more than " +
                             sizeText(kMaxBurstBufferBytes) + " per queue for " + std::to_string(queues) +
                             " queue(s)");
  return perQueue;
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
  const std::size_t burstBytes = burstBufferPerQueue(config_.burstBufferBytes, config_.queues.size());
  // The decoder threads may wait for the outputs: the burst buffers absorb what arrives
  // meanwhile, and the capture threads never wait. So a slow output costs buffer depth, and a
  // loss happens (counted) only once a burst buffer is full.
  for (std::size_t i = 0; i < config_.queues.size(); ++i) pipeline.writer(i).setBlocking(true);
  // Every socket is bound and in the XSKMAP before the program goes on the NIC: a program
  // attached first would pass what it matched to the kernel's stack (no socket in the map yet)
  // for as long as the sockets take to set up, which with their packet memory is long enough
  // to lose the first datagrams of a sender already sending. If anything below throws, the
  // destructors of the sockets made so far and of program_ undo it all: sockets close (leaving
  // the XSKMAP) and, once attached, the link closes (the program leaves the NIC).
  // Another XDP program on the NIC is named before the sockets are tried: its own AF_XDP sockets
  // would make ours fail with a bare "Device or resource busy".
  program_.requireFree(config_.ifname);
  for (std::size_t i = 0; i < config_.queues.size(); ++i) {
    const std::uint32_t queue = config_.queues[i];
    auto socket = std::make_unique<XskSocket>(config_.ifname, queue, config_.ringSize, config_.bind);
    program_.setXsk(queue, socket->fd());
    workers_.push_back(std::make_unique<Worker>(i, std::move(socket), burstBytes));
  }
  program_.attach(config_.ifname, config_.mode);
  if (config_.verbose) {
    std::string queues;
    for (std::uint32_t q : config_.queues) queues += (queues.empty() ? "" : ",") + std::to_string(q);
    std::fprintf(stderr,
                 "ncxdp attach: %s, XDP program id %u in %s mode, AF_XDP %s on queue(s) %s, rings of %u, "
                 "burst buffer %s per queue\n",
                 config_.ifname.c_str(), program_.progId(),
                 std::string(xdpModeName(program_.attachedMode())).c_str(), zeroCopy() ? "zero-copy" : "copy",
                 queues.c_str(), config_.ringSize, sizeText(workers_.front()->burst.capacity()).c_str());
  }
}

void XskCapture::start() {
  LiveCapture::start();
  for (auto& w : workers_) w->capture = std::thread([this, worker = w.get()] { captureLoop(*worker); });
}

void XskCapture::join() {
  LiveCapture::join();
  // Normally the capture threads ended first (a stop); after a decoder thread failed they may
  // still run, and nothing would empty their buffers.
  for (auto& w : workers_) w->decoderGone.store(true, std::memory_order_release);
  for (auto& w : workers_)
    if (w->capture.joinable()) w->capture.join();
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
  AttachStats& own = out.commandStats<AttachStats>();
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    const XskStats x = socketStats(i);
    own.xskRxDropped += otherDrops(x);
    own.xskRxRingFull += x.rxRingFull;
    own.xskFillRingEmpty += x.fillRingEmpty;
  }
  return out;
}

void XskCapture::addLaneCounters(std::size_t lane, CaptureStats& out) const {
  const Worker& w = *workers_[lane];
  out.received += load(w.received);
  out.truncated += load(w.truncated);
  AttachStats& own = out.commandStats<AttachStats>();
  own.frames.notUdp += load(w.notUdp);
  own.frames.ipFragments += load(w.ipFragments);
  own.frames.malformed += load(w.malformed);
  const BurstBufferStats b = w.burst.stats();
  own.burstFull += b.full;
  own.burstOversize += b.oversize;
}

BurstBufferStats XskCapture::burstStats(std::size_t lane) const {
  return workers_[lane]->burst.stats();
}

std::uint32_t XskCapture::laneId(std::size_t lane) const {
  return config_.queues[lane];
}

XskStats XskCapture::socketStats(std::size_t lane) const {
  return workers_[lane]->socket->stats();
}

std::uint64_t XskCapture::umemBytes(std::size_t lane) const {
  return std::uint64_t(workers_[lane]->socket->umem().frames()) * Umem::kFrameBytes;
}

XskLiveStats XskCapture::liveStats() const {
  XskLiveStats out;
  for (const auto& w : workers_) {
    out.received += load(w->received);
    out.records += load(w->liveRecords);
    const XskStats x = w->socket->stats();
    out.xsk.rxDropped += otherDrops(x);
    out.xsk.rxRingFull += x.rxRingFull;
    out.xsk.fillRingEmpty += x.fillRingEmpty;
    const BurstBufferStats b = w->burst.stats();
    out.burst.capacity += b.capacity;
    out.burst.usedBytes += b.usedBytes;
    out.burst.highWaterBytes = std::max(out.burst.highWaterBytes, b.highWaterBytes);
    out.burst.datagrams += b.datagrams;
    out.burst.full += b.full;
    out.burst.oversize += b.oversize;
  }
  return out;
}

// --- capture thread ---

void XskCapture::captureLoop(Worker& w) {
  nameThisThread("ncxdp-xsk/" + std::to_string(w.socket->queue()));
  // While frames keep coming, nap between batches instead of being woken by the kernel for
  // every few frames (ring/Cadence.h): an interval's frames wait in the RX ring, a small part of
  // the UMEM at any rate a queue takes.
  Cadence cadence;
  try {
    while (!stopRequested() && !w.decoderGone.load(std::memory_order_acquire)) {
      if (copyQueued(w, false)) {
        cadence.worked();
        // A zero-copy driver that ran out of fill-ring frames waits to be told there are more
        // (need_wakeup); tell it now rather than after the nap, or the NIC drops meanwhile. Copy
        // mode never sets the flag.
        if (xsk_ring_prod__needs_wakeup(&w.socket->umem().fill()))
          recvfrom(w.socket->fd(), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
        continue;
      }
      if (cadence.nap()) continue;
      // Idle: sleep in poll, which also kicks the driver when the fill ring needs a wakeup. A
      // busy spin here would starve NAPI and the decoder thread on a shared core.
      pollfd pfd{w.socket->fd(), POLLIN, 0};
      if (poll(&pfd, 1, kWaitMs) < 0 && errno != EINTR)
        throw std::runtime_error(std::string("poll on AF_XDP socket: ") + std::strerror(errno));
    }
    // From here on nothing may be lost: the kernel already accepted what the RX ring holds.
    for (int pass = 0; pass < kMaxDrainPasses; ++pass)
      if (!copyQueued(w, true)) break;
  } catch (const std::exception& e) {
    w.captureError = e.what();
  }
  w.burst.close();
}

bool XskCapture::copyQueued(Worker& w, bool waitForRoom) {
  bool any = false;
  for (int batch = 0; batch < kMaxBatchesPerWake; ++batch) {
    const std::uint32_t got = copyBatch(w, waitForRoom);
    any |= got > 0;
    if (got < kBatch) break;
  }
  return any;
}

// Gives frames the fill ring had no room for back to it, oldest first, as far as it has room.
void XskCapture::returnStashed(Worker& w) {
  if (w.fillStash.empty()) return;
  xsk_ring_prod& fill = w.socket->umem().fill();
  const auto k = static_cast<std::uint32_t>(std::min<std::size_t>(
      xsk_prod_nb_free(&fill, static_cast<std::uint32_t>(w.fillStash.size())), w.fillStash.size()));
  std::uint32_t fillIndex = 0;
  if (k == 0 || xsk_ring_prod__reserve(&fill, k, &fillIndex) != k) return;
  for (std::uint32_t i = 0; i < k; ++i) *xsk_ring_prod__fill_addr(&fill, fillIndex + i) = w.fillStash[i];
  xsk_ring_prod__submit(&fill, k);
  w.fillStash.erase(w.fillStash.begin(), w.fillStash.begin() + k);
}

std::uint32_t XskCapture::copyBatch(Worker& w, bool waitForRoom) {
  XskSocket& socket = *w.socket;
  xsk_ring_cons& rx = socket.rx();
  Umem& umem = socket.umem();
  returnStashed(w);
  std::uint32_t rxIndex = 0;
  const std::uint32_t n = xsk_ring_cons__peek(&rx, kBatch, &rxIndex);
  if (n == 0) return 0;
  // The fill ring has a slot per frame, but the kernel publishes its consumer position lazily
  // (in copy mode when it next reads the ring), so right after a burst the ring can look full
  // while the kernel holds fewer frames than that. xsk_ring_prod__reserve is all-or-nothing: on
  // a shortfall the batch is still copied out at once, and its frames wait in fillStash (never
  // lost, never doubled) until returnStashed finds room; batches keep their order behind it.
  std::uint32_t fillIndex = 0;
  const std::uint32_t reserved =
      w.fillStash.empty() ? xsk_ring_prod__reserve(&umem.fill(), n, &fillIndex) : 0;
  const std::uint64_t nowUs = realtimeUs();
  for (std::uint32_t i = 0; i < n; ++i) {
    const xdp_desc* desc = xsk_ring_cons__rx_desc(&rx, rxIndex + i);
    const std::uint64_t addr = xsk_umem__add_offset_to_addr(desc->addr);
    bump(w.received);
    ParsedFrame frame;
    switch (parseFrame(DLT_EN10MB, {umem.data(addr), desc->len}, frame)) {
      case FrameResult::Udp:
        // A full buffer counts the drop itself (BurstBuffer::stats()).
        if (waitForRoom)
          w.burst.pushWaiting(frame.src, nowUs, frame.payload, w.decoderGone);
        else
          w.burst.push(frame.src, nowUs, frame.payload);
        break;
      case FrameResult::IpFragment:
        bump(w.ipFragments);
        break;
      case FrameResult::Truncated:
        bump(w.truncated);
        break;
      case FrameResult::Malformed:
        bump(w.malformed);
        break;
      case FrameResult::NotUdp:
      case FrameResult::UnsupportedLink:
        bump(w.notUdp);
        break;
    }
    const std::uint64_t frameAddr = xsk_umem__extract_addr(desc->addr);
    if (i < reserved)
      *xsk_ring_prod__fill_addr(&umem.fill(), fillIndex + i) = frameAddr;
    else
      w.fillStash.push_back(frameAddr);
  }
  if (reserved != 0) xsk_ring_prod__submit(&umem.fill(), reserved);
  xsk_ring_cons__release(&rx, n);
  w.burst.publish();
  return n;
}

// --- decoder thread ---

std::size_t XskCapture::decodeBuffered(Worker& w, RingWriter& out, std::size_t limit) {
  Decoder& dec = decoder(w.index);
  BufferedDatagram datagram;
  std::size_t n = 0;
  for (; n < limit && w.burst.front(datagram); ++n) {
    // The arrival time, not now: timeouts and recv_ts are as if decoded on arrival.
    dec.feed(datagram.source, datagram.payload, datagram.arrivalUs, out);
    w.burst.pop();
  }
  if (n != 0) {
    const DecoderStats& d = dec.stats();
    w.liveRecords.store(d.recordsPlain + d.recordsExtended, std::memory_order_relaxed);
  }
  return n;
}

bool XskCapture::receive(std::size_t lane, RingWriter& out) {
  Worker& w = *workers_[lane];
  // Below the capture thread, like the sink thread: a burst is taken off the wire first. Raised
  // back when the buffer keeps filling, so that decoding gets its share under sustained load.
  if (!w.priority) w.priority.emplace();
  w.priority->update(w.burst.fill());
  std::size_t n = decodeBuffered(w, out, kDecodeBatch);
  if (n == 0) {
    if (w.burst.finished()) {
      if (!w.captureError.empty()) throw std::runtime_error(w.captureError);
      // The capture thread ended on a stop, which the caller's loop is about to see.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return false;
    }
    // Napping while traffic flows leaves the capture thread's doorbell silent (ring/Cadence.h).
    if (!w.decodeCadence.nap()) w.burst.wait(std::chrono::milliseconds(kWaitMs));
    n = decodeBuffered(w, out, kDecodeBatch);
    if (n == 0) return false;
  }
  // With a backlog, NAPI, the sink and the capture thread get their turn first.
  w.decodeCadence.worked(!w.burst.empty());
  return true;
}

bool XskCapture::drainQueued(std::size_t lane, RingWriter& out) {
  // After a stop (or a failure): everything the capture thread buffered, including what it
  // still takes from the RX ring, until it closes the buffer. One call drains it all.
  Worker& w = *workers_[lane];
  struct Gone {
    Worker& w;
    // Also on an exception: the capture thread must not wait for room nobody makes.
    ~Gone() { w.decoderGone.store(true, std::memory_order_release); }
  } gone{w};
  // Here without a stop, this decoder thread failed: end its capture thread too.
  if (!stopRequested()) w.decoderGone.store(true, std::memory_order_release);
  while (!w.burst.finished()) {
    if (decodeBuffered(w, out, kDecodeBatch) == 0) w.burst.wait(std::chrono::milliseconds(kWaitMs));
  }
  return false;
}

std::uint64_t XskCapture::decoderClockUs(std::size_t lane, std::uint64_t now) {
  BufferedDatagram next;
  if (workers_[lane]->burst.front(next)) return std::min(now, next.arrivalUs);
  return now;
}

}  // namespace ncxdp
