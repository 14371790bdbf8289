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
  close();
}

std::string TextSink::target() const {
  return fd_ == 1 ? "stdout" : "fd " + std::to_string(fd_);
}

void TextSink::write(const Record& record) {
  ++stats_.records;
  format_.append(record, buf_);
  ++bufRecords_;
  if (buf_.size() >= kFlushBytes) flush();
}

void TextSink::flush() {
  if (buf_.empty() && !lines_.pending()) return;
  const int err = count(lines_.write(fd_, buf_, bufRecords_));
  if (err != 0) {
    lastError_ = err;
    if (!reported_) {
      reported_ = true;
      reportSinkError(name(), "write to", target(), err);
    }
  }
  buf_.clear();
  bufRecords_ = 0;
}

void TextSink::close() {
  flush();
  // A record the reader got only part of, which the last attempt could not finish either.
  if (lines_.pending()) stats_.dropped.add(dropReasonOf(lastError_), lines_.abandon());
}

}  // namespace ncxdp
