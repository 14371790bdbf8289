#include "sink/LineWriter.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "util/FdIo.h"

namespace ncxdp {

namespace {

// Removes the last `fragment` bytes written to fd, when fd is a regular file that ends exactly
// where our write left it (another appender writing after us must not lose its data).
bool cutBack(int fd, std::size_t fragment) {
  const off_t end = ::lseek(fd, 0, SEEK_CUR);
  if (end < 0 || std::size_t(end) < fragment) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != end) return false;
  const off_t boundary = end - off_t(fragment);
  if (::ftruncate(fd, boundary) != 0) return false;
  // Without O_APPEND (stdout redirected with '>') the offset would stay past the end, and the
  // next write would leave a hole of zero bytes.
  return ::lseek(fd, boundary, SEEK_SET) == boundary;
}

}  // namespace

LineWriter::Outcome LineWriter::write(int fd, std::string_view lines, std::uint64_t records) {
  Outcome out;
  if (!rest_.empty()) {
    out = finish(fd);
    if (out.err != 0) {
      // The cut record still waits; everything new is lost behind it.
      out.lost += records;
      return out;
    }
  }
  if (lines.empty()) return out;
  std::size_t done = 0;
  const int err = writeAll(fd, lines, done);
  if (err == 0) {
    out.written += records;
    return out;
  }
  const Outcome settled = settle(fd, lines, records, done, err);
  out.written += settled.written;
  out.lost += settled.lost;
  out.err = err;
  return out;
}

LineWriter::Outcome LineWriter::settle(int fd, std::string_view lines, std::uint64_t records,
                                       std::size_t done, int err) {
  Outcome out;
  out.err = err;
  const std::string_view sent = lines.substr(0, done);
  const std::size_t complete = std::uint64_t(std::count(sent.begin(), sent.end(), '\n'));
  const std::size_t lastEnd = sent.rfind('\n') == std::string_view::npos ? 0 : sent.rfind('\n') + 1;
  const std::size_t fragment = done - lastEnd;
  out.written = std::min<std::uint64_t>(complete, records);
  std::uint64_t unwritten = records - out.written;
  if (fragment != 0 && !cutBack(fd, fragment)) {
    // Keep the rest of the cut record for next time: the reader then sees it whole.
    const std::size_t end = lines.find('\n', done);
    rest_.assign(lines.substr(done, end == std::string_view::npos ? std::string_view::npos : end + 1 - done));
    if (unwritten != 0) --unwritten;
  }
  out.lost = unwritten;
  return out;
}

LineWriter::Outcome LineWriter::finish(int fd) {
  Outcome out;
  if (rest_.empty()) return out;
  std::size_t done = 0;
  out.err = writeAll(fd, rest_, done);
  rest_.erase(0, done);
  if (out.err == 0) out.written = 1;
  return out;
}

std::uint64_t LineWriter::abandon() {
  if (rest_.empty()) return 0;
  rest_.clear();
  return 1;
}

}  // namespace ncxdp
