#include "cli/Signals.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ncxdp {

namespace {

sigset_t controlSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

Signals::Signals() {
  const sigset_t set = controlSignals();
  if (int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0)
    throw std::runtime_error(std::string("block signals: ") + std::strerror(err));
  fd_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd_) throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
  signal(SIGPIPE, SIG_IGN);
}

SignalEvent Signals::wait(int timeoutMs) {
  pollfd pfd{fd_.get(), POLLIN, 0};
  if (poll(&pfd, 1, timeoutMs) <= 0) return SignalEvent::None;
  signalfd_siginfo info;
  if (read(fd_.get(), &info, sizeof info) != ssize_t(sizeof info)) return SignalEvent::None;
  if (info.ssi_signo == SIGHUP) return SignalEvent::Reopen;
  return SignalEvent::Stop;
}

}  // namespace ncxdp
