// The default sink: one human-readable line per record on stdout (or any fd), coloured by level
// when that fd is a terminal. Buffered; flush() at the end of every batch.
#pragma once

#include <cstdint>
#include <string>

#include "sink/Sink.h"
#include "sink/TextFormat.h"

namespace ncxdp {

class TextSink final : public Sink {
 public:
  // Colour when fd is a terminal and NO_COLOR is unset or empty (no-color.org).
  explicit TextSink(int fd = 1);
  TextSink(int fd, bool colour);
  ~TextSink() override;
  TextSink(const TextSink&) = delete;
  TextSink& operator=(const TextSink&) = delete;

  void write(const Record& record) override;
  void flush() override;
  void close() override;
  std::string_view name() const override { return "text"; }
  std::string target() const override;

  static bool wantColour(int fd);

 private:
  int fd_;  // not owned
  TextFormat format_;
  std::string buf_;
  std::uint64_t bufRecords_ = 0;  // lines in buf_
  LineWriter lines_;
  int lastError_ = 0;
  bool reported_ = false;
};

}  // namespace ncxdp
