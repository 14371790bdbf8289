// What the CLI drives: a source of datagrams (live sockets, a capture file) whose threads decode
// into the Pipeline's rings. Each capture thread is one Pipeline producer and owns one Decoder.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "decode/Decoder.h"

namespace ncxdp {

// listen: what the kernel's UDP sockets lost or refused.
struct ListenStats {
  std::uint64_t socketDrops = 0;  // dropped by the kernel, socket buffer full
  std::uint64_t recvErrors = 0;   // failed receive calls
};

// replay and attach read whole Ethernet frames: the ones that were not netconsole UDP.
struct FrameStats {
  std::uint64_t notUdp = 0;       // frames that are not UDP over IPv4/IPv6
  std::uint64_t ipFragments = 0;  // IP fragments, skipped
  std::uint64_t malformed = 0;    // frames with an invalid header
};

struct ReplayStats {
  FrameStats frames;
  std::uint64_t filtered = 0;  // UDP to a port not selected with --port
};

struct AttachStats {
  FrameStats frames;
  // The AF_XDP sockets, from XDP_STATISTICS: frames the kernel dropped before our RX ring.
  std::uint64_t xskRxDropped = 0;      // other reasons (invalid descriptors, frame too large)
  std::uint64_t xskRxRingFull = 0;     // RX ring full: capture fell behind
  std::uint64_t xskFillRingEmpty = 0;  // no free frame to receive into
  // Datagrams the capture thread could not put in its queue's burst buffer.
  std::uint64_t burstFull = 0;      // no room: decoding or the outputs fell that far behind
  std::uint64_t burstOversize = 0;  // larger than the buffer can ever hold
};

// What every command counts, and the command's own counters: one of ListenStats, ReplayStats
// or AttachStats, never a field of another command's.
struct CaptureStats {
  DecoderStats decoder;         // summed over capture threads
  std::uint64_t received = 0;   // datagrams (listen) or frames (replay, attach) read
  std::uint64_t truncated = 0;  // larger than the receive buffer, or cut short in the capture
  std::uint64_t sources = 0;    // live sources in the decoders at the end
  std::variant<std::monostate, ListenStats, ReplayStats, AttachStats> command;  // monostate: none yet

  // For the capture that counts them: its own counters, zeros on first use.
  template <class T>
  T& commandStats() {
    if (!std::holds_alternative<T>(command)) command.emplace<T>();
    return std::get<T>(command);
  }
  // For readers: the command's counters of kind T, or zeros when it is another command's.
  template <class T>
  T commandStatsOrZero() const {
    const T* own = std::get_if<T>(&command);
    return own != nullptr ? *own : T{};
  }
  // replay's or attach's frame counters; zeros for listen.
  FrameStats frames() const {
    if (const auto* r = std::get_if<ReplayStats>(&command)) return r->frames;
    if (const auto* a = std::get_if<AttachStats>(&command)) return a->frames;
    return {};
  }
};

class Capture {
 public:
  virtual ~Capture() = default;
  // Starts the capture thread(s).
  virtual void start() = 0;
  // Any thread: capture threads stop reading, flush their decoder into the ring and finish.
  virtual void requestStop() = 0;
  // True once every capture thread has finished (after a stop, at the end of a file, or on error).
  virtual bool finished() const = 0;
  virtual void join() = 0;
  // Valid after join().
  virtual CaptureStats stats() const = 0;
  // After join(): a one-line description of what ended capture early, or empty.
  virtual std::string error() const = 0;
};

// Adds every counter of `from` to `into`.
void addDecoderStats(DecoderStats& into, const DecoderStats& from);

}  // namespace ncxdp
