#include "nats/SpillFile.h"

#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "util/FdIo.h"

namespace ncxdp {

namespace {
constexpr std::size_t kFlushBytes = 64 * 1024;
}  // namespace

SpillFile::SpillFile(std::string path) : path_(std::move(path)) {
  fd_.reset(openForAppend(path_));
  if (!fd_) throw std::runtime_error("cannot open spill file " + path_ + ": " + errorText(errno));
}

SpillFile::~SpillFile() {
  std::lock_guard lock(mu_);
  flushLocked();
  closeFdLocked();
}

void SpillFile::append(std::string_view lines, std::size_t records) {
  std::lock_guard lock(mu_);
  buf_.append(lines);
  bufRecords_ += records;
  if (buf_.size() >= kFlushBytes) flushLocked();
}

void SpillFile::flush() {
  std::lock_guard lock(mu_);
  flushLocked();
}

void SpillFile::flushLocked() {
  if (buf_.empty() && !lines_.pending()) return;
  if (!fd_) fd_.reset(openForAppend(path_));  // a reopen failed earlier: try again
  int err;
  if (!fd_) {
    err = errno;
    dropped_.add(DropReason::CannotOpen, bufRecords_);
  } else {
    // Whole records only, on a full disk too: the spill file is read back by jq and triage.
    const LineWriter::Outcome out = lines_.write(fd_.get(), buf_, bufRecords_);
    spilled_ += out.written;
    err = out.err;
    if (err != 0) {
      lastError_ = err;
      dropped_.add(dropReasonOf(err), out.lost);
    }
  }
  if (err != 0) {
    ++writeErrors_;
    if (!reported_) {
      reported_ = true;
      reportSinkError("nats", "cannot write undelivered records to spill file", path_, err);
    }
  }
  buf_.clear();
  bufRecords_ = 0;
}

void SpillFile::closeFdLocked() {
  if (fd_) spilled_ += lines_.finish(fd_.get()).written;
  if (lines_.pending()) dropped_.add(dropReasonOf(lastError_), lines_.abandon());
  fd_.reset();
}

void SpillFile::reopen() {
  std::lock_guard lock(mu_);
  flushLocked();
  closeFdLocked();
  fd_.reset(openForAppend(path_));
  reported_ = false;
}

std::uint64_t SpillFile::spilled() const {
  std::lock_guard lock(mu_);
  return spilled_;
}

std::uint64_t SpillFile::lost() const {
  std::lock_guard lock(mu_);
  return dropped_.total();
}

DropCounts SpillFile::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

std::uint64_t SpillFile::writeErrors() const {
  std::lock_guard lock(mu_);
  return writeErrors_;
}

}  // namespace ncxdp
