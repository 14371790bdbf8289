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
  fd_ = openForAppend(path_);
  if (fd_ < 0) throw std::runtime_error("cannot open spill file " + path_ + ": " + errorText(errno));
}

SpillFile::~SpillFile() {
  std::lock_guard lock(mu_);
  flushLocked();
  if (fd_ >= 0) ::close(fd_);
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
  if (buf_.empty()) return;
  if (fd_ < 0) fd_ = openForAppend(path_);  // a reopen failed earlier: try again
  const int err = fd_ < 0 ? errno : writeAll(fd_, buf_);
  if (err == 0) {
    spilled_ += bufRecords_;
  } else {
    lost_ += bufRecords_;
    if (!reported_) {
      reported_ = true;
      reportSinkError("nats", "cannot write undelivered records to spill file", path_, err);
    }
  }
  buf_.clear();
  bufRecords_ = 0;
}

void SpillFile::reopen() {
  std::lock_guard lock(mu_);
  flushLocked();
  if (fd_ >= 0) ::close(fd_);
  fd_ = openForAppend(path_);
  reported_ = false;
}

std::uint64_t SpillFile::spilled() const {
  std::lock_guard lock(mu_);
  return spilled_;
}

std::uint64_t SpillFile::lost() const {
  std::lock_guard lock(mu_);
  return lost_;
}

}  // namespace ncxdp
