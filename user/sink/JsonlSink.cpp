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
  if (!toStdout()) {
    file_.reset(openForAppend(path_));
    if (!file_) throw std::runtime_error("cannot open " + path_ + ": " + errorText(errno));
  }
  // Room for a full flush threshold plus one typical line's bound, so steady state never grows it.
  capacity_ = 2 * kFlushBytes;
  buf_ = std::make_unique<char[]>(capacity_);
}

JsonlSink::~JsonlSink() {
  close();
}

std::string JsonlSink::target() const {
  return path_ == "-" ? "stdout" : path_;
}

void JsonlSink::noteError(std::string_view what, int err) {
  ++stats_.writeErrors;
  report(what, err);
}

void JsonlSink::report(std::string_view what, int err) {
  lastError_ = err;
  if (reported_) return;
  reported_ = true;
  reportSinkError(name(), what, target(), err);
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
  ++usedRecords_;
  if (used_ >= kFlushBytes) flush();
}

void JsonlSink::flush() {
  if (used_ == 0 && !lines_.pending()) return;
  if (!closed_ && !toStdout() && !file_) {
    // A reopen failed earlier (directory gone, disk full): try again rather than losing everything.
    file_.reset(openForAppend(path_));
    if (!file_) {
      noteError("cannot open", errno);
      // Memory stays bounded while the file cannot be written.
      stats_.dropped.add(DropReason::CannotOpen, usedRecords_);
      used_ = 0;
      usedRecords_ = 0;
      return;
    }
  }
  if (fd() < 0) {
    // After close(): nothing more can be written.
    stats_.dropped.add(DropReason::IoError, usedRecords_);
    used_ = 0;
    usedRecords_ = 0;
    return;
  }
  const int err = count(lines_.write(fd(), {buf_.get(), used_}, usedRecords_));
  used_ = 0;
  usedRecords_ = 0;
  if (err != 0) report("write to", err);
}

void JsonlSink::closeFd() {
  if (fd() >= 0) {
    const LineWriter::Outcome last = lines_.finish(fd());
    stats_.written += last.written;
  }
  // A record cut in a pipe that could not be finished before the descriptor goes.
  if (lines_.pending()) stats_.dropped.add(dropReasonOf(lastError_), lines_.abandon());
  file_.reset();
}

void JsonlSink::reopen() {
  flush();
  if (toStdout() || closed_) return;
  closeFd();
  file_.reset(openForAppend(path_));
  // A rotation is a new start: the next failure deserves its own report.
  reported_ = false;
  if (!file_) noteError("cannot reopen", errno);
}

void JsonlSink::close() {
  flush();
  closeFd();
  closed_ = true;
}

}  // namespace ncxdp
