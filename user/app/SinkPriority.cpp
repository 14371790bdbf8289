#include "app/SinkPriority.h"

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
  apply(false);
}

void SinkPriority::update(double fill) {
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
