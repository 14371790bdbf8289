#include "sink/JsonlSink.h"

#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "sink/FdIo.h"

namespace ncxdp {

namespace {
constexpr std::size_t kFlushBytes = 64 * 1024;
}  // namespace

JsonlSink::JsonlSink(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    fd_ = 1;
  } else {
    fd_ = openForAppend(path_);
    if (fd_ < 0) throw std::runtime_error("cannot open " + path_ + ": " + errorText(errno));
    ownsFd_ = true;
  }
  // One slack line's worth beyond the threshold, so the buffer does not grow in steady state.
  buf_.reserve(kFlushBytes + 16 * 1024);
}

JsonlSink::~JsonlSink() {
  close();
}

void JsonlSink::noteError(std::string_view what, int err) {
  ++stats_.writeErrors;
  if (reported_) return;
  reported_ = true;
  reportSinkError(name(), what, path_ == "-" ? "stdout" : path_, err);
}

void JsonlSink::write(const Record& record) {
  ++stats_.records;
  json_.append(record, buf_);
  if (buf_.size() >= kFlushBytes) flush();
}

void JsonlSink::flush() {
  if (buf_.empty()) return;
  if (fd_ < 0 && ownsFd_) {
    // A reopen failed earlier (directory gone, disk full): try again rather than losing everything.
    fd_ = openForAppend(path_);
    if (fd_ < 0) {
      noteError("cannot open", errno);
      buf_.clear();  // memory stays bounded while the file cannot be written
      return;
    }
  }
  if (fd_ < 0) {
    buf_.clear();
    return;
  }
  const int err = writeAll(fd_, buf_);
  buf_.clear();
  if (err != 0) noteError("write to", err);
}

void JsonlSink::reopen() {
  flush();
  if (!ownsFd_) return;
  if (fd_ >= 0) ::close(fd_);
  fd_ = openForAppend(path_);
  // A rotation is a new start: the next failure deserves its own report.
  reported_ = false;
  if (fd_ < 0) noteError("cannot reopen", errno);
}

void JsonlSink::close() {
  flush();
  if (ownsFd_ && fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ownsFd_ = false;
}

}  // namespace ncxdp
