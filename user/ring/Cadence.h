// How a consumer thread waits between batches while traffic flows. Woken by its producer for
// every batch, a stage of the data path costs a futex call on the producer's side and a
// cross-CPU wakeup (an IPI, and on a VM an exit to the hypervisor) for every few datagrams: at
// a few hundred thousand datagrams a second that switching costs more than the decoding. A
// consumer that just found work therefore naps for a fixed interval instead, without announcing
// it, so its producer never calls the kernel; under load each stage then wakes at most once per
// interval and takes everything that arrived meanwhile. A nap that finds nothing ends the
// cadence, and the consumer goes back to sleeping until it is woken: an idle receiver does not
// wake at all. The interval is far below what the buffers in front of each stage hold (a burst
// buffer or ring of many MiB, an RX ring of thousands of frames), so napping costs latency
// (at most one interval per stage), never data.
//
// The other half of pacing a consumer: while it still has a backlog after a batch, it yields.
// Under real-time scheduling (every receiver thread at one SCHED_FIFO priority on one core, as
// the pinned benchmark runs ncxdp) nothing preempts a thread at equal priority, so a decoder or
// sink raised to its producers' priority by a filling buffer would otherwise run its whole
// backlog (hundreds of milliseconds for a full 64 MiB ring) while the AF_XDP capture thread on
// that core leaves its RX ring unread and the NIC runs out of frames.
#pragma once

#include <chrono>

namespace ncxdp {

class Cadence {
 public:
  static constexpr std::chrono::microseconds kDefaultNap{500};

  explicit Cadence(std::chrono::microseconds nap = kDefaultNap) : nap_(nap) {}

  // The consumer's last look found work. `backlog`: more is already waiting, so let the other
  // threads of this priority run before the next batch (sched_yield).
  void worked(bool backlog = false);

  // The consumer has nothing to do now. After a look that found work, sleeps one interval and
  // returns true: look again. Otherwise returns false: the caller blocks until woken (its
  // doorbell, poll), as when idle.
  bool nap();

 private:
  std::chrono::microseconds nap_;
  bool busy_ = false;
};

}  // namespace ncxdp
