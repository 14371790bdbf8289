#include "sink/JsonlSink.h"

#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "util/FdIo.h"

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
  // Room for a full flush threshold plus one typical line's bound, so steady state never grows it.
  capacity_ = 2 * kFlushBytes;
  buf_ = std::make_unique<char[]>(capacity_);
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
  const std::size_t bound = JsonWriter::maxBytes(record);
  if (capacity_ - used_ < bound) {
    flush();
    if (capacity_ < bound) {
      // A record larger than any before (a 64 KiB message full of escapes): grow once.
      capacity_ = bound;
      buf_ = std::make_unique<char[]>(capacity_);
    }
  }
  used_ = std::size_t(json_.write(record, buf_.get() + used_) - buf_.get());
  if (used_ >= kFlushBytes) flush();
}

void JsonlSink::flush() {
  if (used_ == 0) return;
  if (fd_ < 0 && ownsFd_) {
    // A reopen failed earlier (directory gone, disk full): try again rather than losing everything.
    fd_ = openForAppend(path_);
    if (fd_ < 0) {
      noteError("cannot open", errno);
      used_ = 0;  // memory stays bounded while the file cannot be written
      return;
    }
  }
  if (fd_ < 0) {
    used_ = 0;
    return;
  }
  const int err = writeAll(fd_, {buf_.get(), used_});
  used_ = 0;
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
