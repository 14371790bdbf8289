// What the CLI drives: a source of datagrams (live sockets, a capture file) whose threads decode
// into the Pipeline's rings. Each capture thread is one Pipeline producer and owns one Decoder.
#pragma once

#include <cstdint>
#include <string>

#include "decode/Decoder.h"

namespace ncxdp {

struct CaptureStats {
  DecoderStats decoder;           // summed over capture threads
  std::uint64_t received = 0;     // datagrams (listen) or frames (replay) read
  std::uint64_t truncated = 0;    // larger than the receive buffer, or cut short in the capture
  std::uint64_t socketDrops = 0;  // dropped by the kernel, socket buffer full (listen)
  std::uint64_t recvErrors = 0;   // failed receive calls (listen)
  std::uint64_t notUdp = 0;       // frames that are not UDP over IPv4/IPv6 (replay)
  std::uint64_t ipFragments = 0;  // IP fragments, skipped (replay)
  std::uint64_t malformed = 0;    // frames with an invalid header (replay)
  std::uint64_t filtered = 0;     // UDP to a port not selected with --port (replay)
  std::uint64_t sources = 0;      // live sources in the decoders at the end
  // AF_XDP sockets (attach), from XDP_STATISTICS: frames the kernel dropped before our RX ring.
  std::uint64_t xskRxDropped = 0;      // other reasons (invalid descriptors, frame too large)
  std::uint64_t xskRxRingFull = 0;     // RX ring full: capture fell behind
  std::uint64_t xskFillRingEmpty = 0;  // no free frame to receive into
  // attach: datagrams the capture thread could not put in its queue's burst buffer.
  std::uint64_t burstFull = 0;      // no room: decoding or the outputs fell that far behind
  std::uint64_t burstOversize = 0;  // larger than the buffer can ever hold
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
