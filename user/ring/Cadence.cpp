#include "ring/Cadence.h"

#include <sched.h>

#include <ctime>

namespace ncxdp {

void Cadence::worked(bool backlog) {
  busy_ = true;
  if (backlog) sched_yield();
}

bool Cadence::nap() {
  if (!busy_ || nap_.count() <= 0) return false;
  busy_ = false;
  const auto us = nap_.count();
  const timespec ts{static_cast<time_t>(us / 1'000'000), static_cast<long>(us % 1'000'000) * 1000};
  // EINTR (a signal) only shortens the nap: the caller looks again either way.
  nanosleep(&ts, nullptr);
  return true;
}

}  // namespace ncxdp
