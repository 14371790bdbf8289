#include "util/FdIo.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace ncxdp {

int writeAll(int fd, std::string_view data) {
  std::size_t written = 0;
  return writeAll(fd, data, written);
}

int writeAll(int fd, std::string_view data, std::size_t& written) {
  const char* p = data.data();
  std::size_t left = data.size();
  written = 0;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n > 0) {
      p += n;
      left -= static_cast<std::size_t>(n);
      written += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) return EIO;  // write() never returns 0 for a non-zero count on files or pipes
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // Someone handed us a non-blocking stdout: wait, but never forever (the sink thread must keep
      // draining the rings).
      pollfd pfd{fd, POLLOUT, 0};
      int r;
      do {
        r = ::poll(&pfd, 1, 1000);
      } while (r < 0 && errno == EINTR);
      if (r <= 0) return r == 0 ? EAGAIN : errno;
      continue;
    }
    return errno;
  }
  return 0;
}

int openForAppend(const std::string& path, int extraFlags) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | extraFlags, 0644);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

void reportSinkError(std::string_view sink, std::string_view what, std::string_view path, int err) {
  std::fprintf(stderr, "ncxdp: %.*s sink: %.*s %.*s: %s; further errors are only counted\n",
               static_cast<int>(sink.size()), sink.data(), static_cast<int>(what.size()), what.data(),
               static_cast<int>(path.size()), path.data(), errorText(err).c_str());
}

}  // namespace ncxdp
