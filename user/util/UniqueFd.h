// Owns one file descriptor and closes it when it goes: the sockets, files, signalfds, eventfds
// and bpf_links the stages hold, without a hand-written destructor or move code in each class.
// Like std::unique_ptr: movable, not copyable, -1 when empty.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace ncxdp {

class UniqueFd {
 public:
  UniqueFd() = default;
  // Takes fd (which may be -1, as a failed open() returns).
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  // Gives the descriptor up without closing it.
  int release() noexcept { return std::exchange(fd_, -1); }
  // Closes the descriptor held (if any) and takes fd. errno is left as it was, so
  // `f.reset(open(...)); if (!f) report(errno);` reports the open's error, not the close's.
  void reset(int fd = -1) noexcept {
    const int old = std::exchange(fd_, fd);
    if (old >= 0) {
      const int saved = errno;
      ::close(old);
      errno = saved;
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace ncxdp
