// The sink thread's scheduling priority, adapted to how full the rings are. Sinks sit behind
// rings so that capture never waits for them, so normally the sink runs below the capture
// threads and below the kernel's packet processing: a burst is taken off the wire first and
// written out from the ring afterwards. But when the rings keep filling (sustained overload),
// every datagram the kernel still hands over would only be decoded to be dropped at a full ring;
// then the sink takes the capture threads' priority back, the kernel gets less of the core, and
// the excess is dropped where it costs nothing, before ncxdp ever sees it.
#pragma once

#include <sched.h>
#include <sys/types.h>

namespace ncxdp {

class SinkPriority {
 public:
  // Ring fill (0..1) above which the sink is raised, and below which it is lowered again.
  static constexpr double kRaiseAbove = 0.5;
  static constexpr double kLowerBelow = 0.125;
  // Nice levels the sink steps down in an ordinary (SCHED_OTHER) process.
  static constexpr int kNiceStep = 5;

  // Call on the sink thread: remembers the priority it inherited and steps below it. In a
  // real-time process (chrt) "below" is the lowest real-time priority, still above every ordinary
  // process. Lowering needs no privilege, but an ordinary process may not be allowed back up
  // (no CAP_SYS_NICE, RLIMIT_NICE too low): then the sink keeps its priority throughout.
  SinkPriority();
  // fill: the fullest ring's occupancy. Changes priority (one syscall) only when crossing a
  // threshold, so steady state costs nothing.
  void update(double fill);
  bool raised() const { return raised_; }

 private:
  void apply(bool raise);

  pid_t tid_;
  int policy_;
  sched_param param_{};
  int nice_ = 0;
  bool realtime_ = false;
  bool adaptive_ = false;  // false: this thread could not raise itself back, so it never lowers
  bool raised_ = true;
};

}  // namespace ncxdp
