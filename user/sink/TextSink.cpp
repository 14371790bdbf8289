#include "sink/TextSink.h"

#include <unistd.h>

#include <cstdlib>

#include "util/FdIo.h"

namespace ncxdp {

namespace {
// Big enough to batch a burst into few write()s, small enough that a terminal sees lines promptly.
constexpr std::size_t kFlushBytes = 64 * 1024;
}  // namespace

bool TextSink::wantColour(int fd) {
  const char* noColour = std::getenv("NO_COLOR");
  if (noColour != nullptr && noColour[0] != '\0') return false;
  return ::isatty(fd) == 1;
}

TextSink::TextSink(int fd) : TextSink(fd, wantColour(fd)) {}

TextSink::TextSink(int fd, bool colour) : fd_(fd), format_(/*showSource=*/true, colour) {
  buf_.reserve(kFlushBytes + 16 * 1024);
}

TextSink::~TextSink() {
  flush();
}

void TextSink::write(const Record& record) {
  ++stats_.records;
  format_.append(record, buf_);
  if (buf_.size() >= kFlushBytes) flush();
}

void TextSink::flush() {
  if (buf_.empty()) return;
  const int err = writeAll(fd_, buf_);
  buf_.clear();
  if (err == 0) return;
  ++stats_.writeErrors;
  if (!reported_) {
    reported_ = true;
    reportSinkError(name(), "write to", fd_ == 1 ? "stdout" : "fd " + std::to_string(fd_), err);
  }
}

}  // namespace ncxdp
