#include "storm/PcapFileSender.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ncxdp::storm {

namespace {

// The classic libpcap file header and record header, little-endian as written by this host.
struct FileHeader {
  std::uint32_t magic = 0xa1b2c3d4;
  std::uint16_t major = 2;
  std::uint16_t minor = 4;
  std::int32_t zone = 0;
  std::uint32_t sigfigs = 0;
  std::uint32_t snaplen = 65535;
  std::uint32_t linktype = 1;  // Ethernet
};

struct RecordHeader {
  std::uint32_t sec;
  std::uint32_t usec;
  std::uint32_t caplen;
  std::uint32_t len;
};

// A fixed start (2026-01-01T00:00:00Z) keeps files of the same storm byte-identical.
constexpr std::uint64_t kStartUs = 1767225600ULL * 1'000'000;

}  // namespace

PcapFileSender::PcapFileSender(const std::string& path, double pps, std::uint32_t batch)
    : path_(path), spacingUs_(pps > 0 ? 1e6 / pps : 1.0), batch_(batch) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  const FileHeader header;
  if (std::fwrite(&header, sizeof header, 1, file_) != 1) {
    std::fclose(file_);
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
  buffers_.resize(std::size_t(batch_) * kFrameBytes);
}

PcapFileSender::~PcapFileSender() {
  if (file_ != nullptr) std::fclose(file_);
}

std::uint32_t PcapFileSender::acquire(std::uint32_t want, std::uint8_t** bufs) {
  const std::uint32_t n = std::min(want, batch_);
  for (std::uint32_t i = 0; i < n; ++i) bufs[i] = buffers_.data() + std::size_t(i) * kFrameBytes;
  return n;
}

void PcapFileSender::commit(std::uint32_t n, const std::uint32_t* lengths) {
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto us = kStartUs + std::uint64_t(double(stats_.frames + i) * spacingUs_);
    const RecordHeader h{std::uint32_t(us / 1'000'000), std::uint32_t(us % 1'000'000), lengths[i],
                         lengths[i]};
    if (std::fwrite(&h, sizeof h, 1, file_) != 1 ||
        std::fwrite(buffers_.data() + std::size_t(i) * kFrameBytes, lengths[i], 1, file_) != 1)
      throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(errno));
  }
  stats_.frames += n;
  stats_.completed += n;
  ++stats_.kicks;
}

}  // namespace ncxdp::storm
