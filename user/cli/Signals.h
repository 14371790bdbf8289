// The process's control signals, read synchronously by the main thread. SIGINT, SIGTERM and SIGHUP
// are blocked in every thread (the mask is inherited, so construct this before any thread starts)
// and collected through a signalfd: no handler runs on a capture thread in the middle of a batch,
// and the main thread decides what each signal means.
#pragma once

#include "util/UniqueFd.h"

namespace ncxdp {

enum class SignalEvent { None, Stop, Reopen };

class Signals {
 public:
  // Blocks the signals in the calling thread and opens the signalfd. Also ignores SIGPIPE: a
  // sink writing to a closed pipe gets EPIPE and counts it instead of killing the process.
  Signals();
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;

  // Waits up to timeoutMs for a signal. SIGINT/SIGTERM -> Stop, SIGHUP -> Reopen.
  SignalEvent wait(int timeoutMs);

 private:
  UniqueFd fd_;
};

}  // namespace ncxdp
