// Where frames leave the generator: an interface over AF_XDP TX (XskSender) and AF_PACKET
// (PacketSender). The caller fills the sender's own buffers, so a frame is written once and the
// kernel copies it once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ncxdp::storm {

struct SenderStats {
  std::uint64_t frames = 0;     // committed
  std::uint64_t completed = 0;  // the kernel reported them sent (AF_XDP completions); = frames for AF_PACKET
  std::uint64_t kicks = 0;      // send syscalls
  std::uint64_t busy = 0;       // sends refused for now (EAGAIN, EBUSY, ENOBUFS) and retried
  std::uint64_t invalid = 0;    // descriptors the kernel rejected (AF_XDP tx_invalid_descs: a bug)
};

class FrameSender {
 public:
  static constexpr std::uint32_t kFrameBytes = 2048;

  virtual ~FrameSender() = default;
  // Up to `want` free buffers of kFrameBytes; returns how many were put in bufs (0 when every
  // buffer is still with the kernel: call again).
  virtual std::uint32_t acquire(std::uint32_t want, std::uint8_t** bufs) = 0;
  // Sends the first n buffers of the last acquire() with these lengths; the rest go back unused.
  // Throws std::runtime_error on a failure that ends sending (interface down).
  virtual void commit(std::uint32_t n, const std::uint32_t* lengths) = 0;
  // Waits at most `limit` for the kernel to finish every committed frame; returns how many had not.
  virtual std::uint64_t drain(std::chrono::milliseconds limit) = 0;
  virtual SenderStats stats() const = 0;
  virtual std::string_view name() const = 0;
};

enum class SenderKind { Auto, Xdp, Packet };

// Auto: AF_XDP, else AF_PACKET with a note on stderr saying why. Throws std::runtime_error naming
// the interface and what failed.
std::unique_ptr<FrameSender> makeSender(SenderKind kind, const std::string& ifname, std::uint32_t queue,
                                        std::uint32_t batch);

}  // namespace ncxdp::storm
