// Where the NATS output puts records it could not deliver: JSON lines appended to a local file, in
// the same format as `--out jsonl:`, so nothing is dropped silently and the file can be read by
// the same tools (jq, ncxdp triage) or published again later. Written from two threads (the sink
// thread when the buffer is full, the publisher when it gives up at exit), hence the mutex; both
// are off the capture path and only on failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "sink/DropReason.h"
#include "sink/LineWriter.h"
#include "util/UniqueFd.h"

namespace ncxdp {

class SpillFile {
 public:
  // Opens (creates) path now, so a bad path fails at startup: throws std::runtime_error
  // "cannot open spill file PATH: <strerror>".
  explicit SpillFile(std::string path);
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  // Appends `records` complete JSON lines (each ending in '\n'). Buffered; written at 64 KiB or
  // on flush(). Never throws; a failed write counts the records it lost and is reported once.
  // The file only ever holds whole lines (sink/LineWriter), on a full disk too.
  void append(std::string_view lines, std::size_t records);
  void flush();
  // SIGHUP: start a new file at the same path (logrotate).
  void reopen();

  const std::string& path() const { return path_; }
  // Records written to the file, and records that could not even be written there.
  std::uint64_t spilled() const;
  std::uint64_t lost() const;
  // The lost ones by cause, and the failed writes that lost them.
  DropCounts dropped() const;
  std::uint64_t writeErrors() const;

 private:
  void flushLocked();
  void closeFdLocked();

  const std::string path_;
  mutable std::mutex mu_;
  UniqueFd fd_;
  std::string buf_;
  std::size_t bufRecords_ = 0;
  LineWriter lines_;
  std::uint64_t spilled_ = 0;
  DropCounts dropped_;
  std::uint64_t writeErrors_ = 0;
  int lastError_ = 0;
  bool reported_ = false;
};

}  // namespace ncxdp
