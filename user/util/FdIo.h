// The few file-descriptor operations every sink needs, done once and done right: complete writes
// despite partial writes, EINTR and a non-blocking descriptor, and appending opens.
#pragma once
#include "util/ErrnoText.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace ncxdp {

// Writes all of data to fd. Retries partial writes and EINTR; on EAGAIN waits for POLLOUT up to a
// second. Returns 0, or the errno that stopped it (EPIPE, ENOSPC, ...). Never throws. EPIPE needs
// SIGPIPE ignored, which the application does at startup.
int writeAll(int fd, std::string_view data);
// The same, and sets written to the bytes fd took, also when it stopped early: the caller needs
// it to find the record a partial write cut (sink/LineWriter).
int writeAll(int fd, std::string_view data, std::size_t& written);

// open(path, O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC|extraFlags, 0644), retrying EINTR. Returns the fd
// or -1 with errno set.
int openForAppend(const std::string& path, int extraFlags = 0);

// One line on stderr: "ncxdp: <sink> sink: <what> <path>: <strerror>; further errors are only counted".
void reportSinkError(std::string_view sink, std::string_view what, std::string_view path, int err);

}  // namespace ncxdp
