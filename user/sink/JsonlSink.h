// JSON lines (docs/record-format.md) appended to a file, or to stdout for "-". The file is opened
// with O_APPEND so several writers and logrotate's copytruncate both stay safe; reopen() after
// logrotate's rename starts a new file at the same path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sink/JsonWriter.h"
#include "sink/Sink.h"
#include "util/UniqueFd.h"

namespace ncxdp {

class JsonlSink final : public Sink {
 public:
  // Opens path now, so a bad path fails at startup: throws std::runtime_error
  // "cannot open PATH: <strerror>". "-" writes to stdout (not owned, never reopened).
  explicit JsonlSink(std::string path);
  ~JsonlSink() override;
  JsonlSink(const JsonlSink&) = delete;
  JsonlSink& operator=(const JsonlSink&) = delete;

  void write(const Record& record) override;
  void flush() override;
  void reopen() override;
  void close() override;
  std::string_view name() const override { return "jsonl"; }
  std::string target() const override;

 private:
  // A failure that is not a write (open): counts it as a write error and reports it.
  void noteError(std::string_view what, int err);
  // Reports the first failure since the last reopen on stderr.
  void report(std::string_view what, int err);
  // Finishes or gives up a cut record, then closes the file (not stdout).
  void closeFd();
  bool toStdout() const { return path_ == "-"; }
  // The descriptor written to: stdout, or the file while it is open; -1 after close().
  int fd() const { return closed_ ? -1 : toStdout() ? 1 : file_.get(); }

  std::string path_;
  UniqueFd file_;  // empty for stdout, and while a reopen keeps failing
  bool closed_ = false;
  JsonWriter json_;
  // Lines waiting for the next write(2); JsonWriter writes straight into it.
  std::unique_ptr<char[]> buf_;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
  std::uint64_t usedRecords_ = 0;  // lines in buf_
  LineWriter lines_;
  int lastError_ = 0;
  bool reported_ = false;
};

}  // namespace ncxdp
