#include "capture/PcapReplay.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <stdexcept>

#include "pipeline/Pipeline.h"
#include "util/ThreadName.h"

namespace ncxdp {

namespace {

// Decoder tick cadence in packet time, as a live listener ticks in wall time.
constexpr std::uint64_t kTickUs = 100'000;
// Wake the sink thread every this many packets (it may sleep on an empty ring).
constexpr std::uint64_t kNotifyEvery = 64;

}  // namespace

PcapReplay::PcapReplay(ReplayConfig config, Pipeline& pipeline)
    : config_(std::move(config)), pipeline_(pipeline), decoder_(config_.decoder) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // Microsecond precision: nanosecond files are scaled by libpcap, matching Record::recvTsUs.
  pcap_ = pcap_open_offline_with_tstamp_precision(config_.path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (pcap_ == nullptr) throw std::runtime_error("cannot read '" + config_.path + "': " + errbuf);
  linkType_ = pcap_datalink(pcap_);
  if (!isSupportedLinkType(linkType_)) {
    const char* name = pcap_datalink_val_to_name(linkType_);
    std::string message = "cannot read '" + config_.path + "': unsupported link type " +
                          (name != nullptr ? std::string(name) : std::to_string(linkType_)) +
                          " (supported: EN10MB, LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP)";
    pcap_close(pcap_);
    pcap_ = nullptr;
    throw std::runtime_error(message);
  }
  pipeline_.writer(0).setBlocking(true);
}

PcapReplay::~PcapReplay() {
  requestStop();
  join();
  if (pcap_ != nullptr) pcap_close(pcap_);
}

void PcapReplay::start() {
  thread_ = std::thread([this] { run(); });
}

void PcapReplay::join() {
  if (thread_.joinable()) thread_.join();
}

CaptureStats PcapReplay::stats() const {
  CaptureStats out = stats_;
  out.decoder = decoder_.stats();
  out.sources = decoder_.sourceCount();
  out.command = replay_;
  return out;
}

void PcapReplay::count(FrameResult result) {
  switch (result) {
    case FrameResult::Udp:
      break;
    case FrameResult::NotUdp:
    case FrameResult::UnsupportedLink:
      ++replay_.frames.notUdp;
      break;
    case FrameResult::IpFragment:
      ++replay_.frames.ipFragments;
      break;
    case FrameResult::Truncated:
      ++stats_.truncated;
      break;
    case FrameResult::Malformed:
      ++replay_.frames.malformed;
      break;
  }
}

void PcapReplay::run() {
  nameThisThread("ncxdp-replay");
  RingWriter& out = pipeline_.writer(0);
  std::uint64_t now = 0;
  std::uint64_t lastTick = 0;
  bool first = true;
  try {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    while (!stop_.load(std::memory_order_relaxed)) {
      const int rc = pcap_next_ex(pcap_, &header, &data);
      if (rc == PCAP_ERROR_BREAK) break;  // end of file
      if (rc != 1) {
        error_ = "reading '" + config_.path + "': " + pcap_geterr(pcap_);
        break;
      }
      ++stats_.received;
      const std::uint64_t ts =
          std::uint64_t(header->ts.tv_sec) * 1'000'000 + std::uint64_t(header->ts.tv_usec);
      // Captures merged from several interfaces can step back a little; the decoder's timeouts
      // want a clock that never does, so packet time is clamped to the latest seen.
      now = first ? ts : std::max(now, ts);
      if (first) lastTick = now;
      first = false;
      if (now - lastTick >= kTickUs) {
        decoder_.tick(now, out);
        lastTick = now;
      }
      ParsedFrame frame;
      const FrameResult result = parseFrame(linkType_, {data, header->caplen}, frame);
      count(result);
      if (result == FrameResult::Udp) {
        if (!config_.ports.empty() &&
            std::find(config_.ports.begin(), config_.ports.end(), frame.dstPort) == config_.ports.end()) {
          ++replay_.filtered;
        } else {
          decoder_.feed(frame.src, frame.payload, now, out);
        }
      }
      if (stats_.received % kNotifyEvery == 0) pipeline_.notify();
    }
    decoder_.flush(now, out);
  } catch (const std::exception& e) {
    error_ = e.what();
  }
  pipeline_.producerDone(0);
  finished_.store(true, std::memory_order_release);
}

}  // namespace ncxdp
