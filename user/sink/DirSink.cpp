#include "sink/DirSink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "util/FdIo.h"

namespace ncxdp {

namespace {

// Per file; with 256 files open that bounds buffered text to a few MiB.
constexpr std::size_t kFlushBytes = 16 * 1024;

// mkdir -p. Returns 0 or the errno of the first component that could not be created; what names
// the path that failed.
int makeDirectories(const std::string& dir, std::string& failed) {
  std::string prefix;
  prefix.reserve(dir.size());
  std::size_t pos = 0;
  while (pos <= dir.size()) {
    std::size_t slash = dir.find('/', pos);
    if (slash == std::string::npos) slash = dir.size();
    prefix.assign(dir, 0, slash);
    pos = slash + 1;
    if (prefix.empty() || prefix.back() == '/') continue;  // leading '/' or "//"
    if (::mkdir(prefix.c_str(), 0755) == 0 || errno == EEXIST) continue;
    const int err = errno;
    // mkdir reports EACCES/EROFS for components that already exist in unwritable places.
    struct stat st;
    if (::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    failed = prefix;
    return err;
  }
  return 0;
}

}  // namespace

DirSink::DirSink(std::string dir, std::size_t maxOpenFiles)
    : dir_(std::move(dir)), maxOpen_(maxOpenFiles == 0 ? 1 : maxOpenFiles) {
  std::string failed;
  if (const int err = makeDirectories(dir_, failed); err != 0)
    throw std::runtime_error("cannot create directory " + failed + ": " + errorText(err));
  struct stat st;
  if (::stat(dir_.c_str(), &st) != 0)
    throw std::runtime_error("cannot access " + dir_ + ": " + errorText(errno));
  if (!S_ISDIR(st.st_mode)) throw std::runtime_error(dir_ + " is not a directory");
  if (::access(dir_.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error("cannot write to directory " + dir_ + ": " + errorText(errno));
  index_.reserve(maxOpen_);
  path_.reserve(dir_.size() + 1 + Source::kMaxText + 8);
}

DirSink::~DirSink() {
  close();
}

std::string DirSink::target() const {
  return dir_;
}

void DirSink::noteError(std::string_view what, const std::string& path, int err) {
  ++stats_.writeErrors;
  report(what, path, err);
}

void DirSink::report(std::string_view what, const std::string& path, int err) {
  if (reported_) return;
  reported_ = true;
  reportSinkError(name(), what, path, err);
}

const std::string& DirSink::pathOf(const Slot& slot) {
  path_.assign(dir_);
  path_ += '/';
  path_ += slot.src.fileName();
  path_ += ".log";
  return path_;
}

bool DirSink::openSlot(Slot& slot) {
  // O_NOFOLLOW: the name is predictable, so a planted symlink must not redirect a root process's
  // appends to some other file.
  slot.fd.reset(openForAppend(pathOf(slot), O_NOFOLLOW | O_NOCTTY));
  if (slot.fd) return true;
  noteError("cannot open", path_, errno);
  return false;
}

void DirSink::writeSlot(Slot& slot) {
  if (slot.buf.empty() && !slot.lines.pending()) return;
  if (slot.fd) {
    if (const int err = count(slot.lines.write(slot.fd.get(), slot.buf, slot.records)); err != 0) {
      slot.lastError = err;
      report("write to", pathOf(slot), err);
    }
  } else {
    stats_.dropped.add(DropReason::CannotOpen, slot.records);
  }
  slot.buf.clear();
  slot.records = 0;
}

void DirSink::closeSlot(Slot& slot) {
  writeSlot(slot);
  // Only when the file shrank or grew under us could a cut record not be rolled back.
  if (slot.lines.pending()) stats_.dropped.add(dropReasonOf(slot.lastError), slot.lines.abandon());
  slot.fd.reset();
}

DirSink::Slot& DirSink::slotFor(const Source& src) {
  if (auto it = index_.find(src); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return *it->second;
  }
  if (lru_.size() < maxOpen_) {
    lru_.emplace_front();
    lru_.front().src = src;
    index_.emplace(src, lru_.begin());
    return lru_.front();
  }
  // Recycle the least recently used slot: its buffer keeps its capacity and its index node is
  // re-keyed, so a workload of more sources than open files does not allocate per switch.
  auto victim = std::prev(lru_.end());
  closeSlot(*victim);
  auto node = index_.extract(victim->src);
  node.key() = src;
  index_.insert(std::move(node));
  victim->src = src;
  lru_.splice(lru_.begin(), lru_, victim);
  return *victim;
}

void DirSink::write(const Record& record) {
  ++stats_.records;
  Slot& slot = slotFor(record.src);
  // No file: new slot, closed by reopen(), or an earlier open failed; try (again) now.
  if (!slot.fd && !openSlot(slot)) {
    stats_.dropped.add(DropReason::CannotOpen, 1);
    return;
  }
  format_.append(record, slot.buf);
  ++slot.records;
  if (slot.buf.size() >= kFlushBytes) writeSlot(slot);
}

void DirSink::flush() {
  for (Slot& slot : lru_) writeSlot(slot);
}

void DirSink::reopen() {
  for (Slot& slot : lru_) closeSlot(slot);
  reported_ = false;
  // logrotate setups sometimes move the whole directory away.
  std::string failed;
  if (const int err = makeDirectories(dir_, failed); err != 0)
    noteError("cannot create directory", failed, err);
}

void DirSink::close() {
  for (Slot& slot : lru_) closeSlot(slot);
}

std::size_t DirSink::openFiles() const {
  std::size_t n = 0;
  for (const Slot& slot : lru_) n += slot.fd ? 1 : 0;
  return n;
}

}  // namespace ncxdp
