#include "pipeline/SinkPriority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ncxdp {

SinkPriority::SinkPriority() : tid_(pid_t(syscall(SYS_gettid))), policy_(sched_getscheduler(0)) {
  realtime_ = policy_ == SCHED_FIFO || policy_ == SCHED_RR;
  sched_getparam(0, &param_);
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, id_t(tid_));
  if (errno == 0) nice_ = nice;
  // Stepping down is always allowed, stepping back up needs CAP_SYS_NICE or a nice rlimit that
  // reaches the old value. A sink that could only go down would stay starved under overload, so
  // without the way back it keeps its priority.
  rlimit limit{};
  adaptive_ =
      realtime_ || geteuid() == 0 ||
      (getrlimit(RLIMIT_NICE, &limit) == 0 && 20 - int(std::min<rlim_t>(limit.rlim_cur, 40)) <= nice_);
  if (adaptive_) apply(false);
}

void SinkPriority::update(double fill) {
  if (!adaptive_) return;
  if (!raised_ && fill > kRaiseAbove)
    apply(true);
  else if (raised_ && fill < kLowerBelow)
    apply(false);
}

void SinkPriority::apply(bool raise) {
  raised_ = raise;
  // Failures are ignored: the sink then keeps whatever priority it has, which is still correct,
  // only less smart about overload.
  if (realtime_) {
    sched_param param = param_;
    if (!raise) param.sched_priority = sched_get_priority_min(policy_);
    sched_setscheduler(0, policy_, &param);  // per thread on Linux
    return;
  }
  setpriority(PRIO_PROCESS, id_t(tid_), raise ? nice_ : std::min(nice_ + kNiceStep, 19));
}

}  // namespace ncxdp
