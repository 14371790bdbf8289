#include "sink/DropReason.h"

#include <cerrno>

namespace ncxdp {

std::string_view dropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::NoSpace:
      return "no_space";
    case DropReason::BrokenPipe:
      return "broken_pipe";
    case DropReason::Timeout:
      return "timeout";
    case DropReason::CannotOpen:
      return "cannot_open";
    case DropReason::IoError:
      return "io_error";
    case DropReason::OutputFailed:
      return "output_failed";
  }
  return "io_error";
}

DropReason dropReasonOf(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return DropReason::NoSpace;
    case EPIPE:
    case ECONNRESET:
      return DropReason::BrokenPipe;
    case EAGAIN:
      return DropReason::Timeout;
    default:
      return DropReason::IoError;
  }
}

std::uint64_t DropCounts::total() const {
  std::uint64_t n = 0;
  for (std::uint64_t v : byReason) n += v;
  return n;
}

DropCounts& DropCounts::operator+=(const DropCounts& other) {
  for (std::size_t i = 0; i < kDropReasons; ++i) byReason[i] += other.byReason[i];
  return *this;
}

std::string DropCounts::text() const {
  std::string out;
  for (std::size_t i = 0; i < kDropReasons; ++i) {
    if (byReason[i] == 0) continue;
    if (!out.empty()) out += ", ";
    out += dropReasonName(DropReason(i));
    out += ' ';
    out += std::to_string(byReason[i]);
  }
  return out;
}

}  // namespace ncxdp
