// One append-only file per source in a directory: DIR/<addr>_<port>.log, named only from the
// source's address and port, never from message content. Lines are the text sink's format without
// colour and without the source column.
//
// Built for 10,000+ sources: at most maxOpenFiles files are open, kept in LRU order; a source whose
// file was closed to make room is reopened with O_APPEND on its next record. Each open file has its
// own buffer, written on flush(), when it fills, or when the file is evicted, so memory is bounded
// by maxOpenFiles buffers. Slots are recycled on eviction, so churn does not allocate either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

#include "decode/Source.h"
#include "sink/Sink.h"
#include "sink/TextFormat.h"
#include "util/UniqueFd.h"

namespace ncxdp {

class DirSink final : public Sink {
 public:
  static constexpr std::size_t kDefaultMaxOpenFiles = 256;

  // Creates dir (and its parents, like mkdir -p) if missing. Throws std::runtime_error when it
  // cannot be created, is not a directory, or is not writable.
  explicit DirSink(std::string dir, std::size_t maxOpenFiles = kDefaultMaxOpenFiles);
  ~DirSink() override;
  DirSink(const DirSink&) = delete;
  DirSink& operator=(const DirSink&) = delete;

  void write(const Record& record) override;
  void flush() override;
  // Closes every file; the next record of each source recreates its file (logrotate).
  void reopen() override;
  void close() override;
  std::string_view name() const override { return "dir"; }
  std::string target() const override;

  // Files open right now (at most maxOpenFiles).
  std::size_t openFiles() const;

 private:
  struct Slot {
    Source src;
    UniqueFd fd;
    std::string buf;
    std::uint64_t records = 0;  // lines in buf
    LineWriter lines;           // whole records only, even on a full disk
    int lastError = 0;
  };
  using Lru = std::list<Slot>;

  Slot& slotFor(const Source& src);
  bool openSlot(Slot& slot);
  void writeSlot(Slot& slot);
  void closeSlot(Slot& slot);
  // A failure that is not a write (open, mkdir): counted as a write error, reported once.
  void noteError(std::string_view what, const std::string& path, int err);
  void report(std::string_view what, const std::string& path, int err);
  // DIR/<addr>_<port>.log in the scratch path_.
  const std::string& pathOf(const Slot& slot);

  std::string dir_;
  std::size_t maxOpen_;
  TextFormat format_{/*showSource=*/false, /*colour=*/false};
  Lru lru_;  // most recently used first
  std::unordered_map<Source, Lru::iterator, SourceHash> index_;
  std::string path_;  // scratch for building file paths
  bool reported_ = false;
};

}  // namespace ncxdp
