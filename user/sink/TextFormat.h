// The human-readable line format shared by the text sink (terminal) and the dir sink (one file per
// source). Everything that came off the wire is escaped so that no byte a terminal acts on (C0/C1
// controls, ESC sequences, invalid UTF-8, bidi overrides) reaches the output raw: a sender must not
// be able to rewrite the operator's screen or disguise a log line.
#pragma once

#include <string>
#include <string_view>

#include "decode/Record.h"
#include "sink/SourceText.h"
#include "sink/UtcTimestamp.h"

namespace ncxdp {

class TextFormat {
 public:
  // showSource: print the "addr:port" column (the dir sink drops it: the file name says it).
  // colour: wrap the level and text in ANSI colours by level.
  TextFormat(bool showSource, bool colour) : showSource_(showSource), colour_(colour) {}

  // Appends one line, '\n' included.
  void append(const Record& record, std::string& out);

  // Appends s with bytes < 0x20, 0x7f, C1 controls and invalid UTF-8 as \xNN, '\\' as "\\\\", and
  // bidi overrides/isolates and U+2028/U+2029 as \u{202e}. Other valid UTF-8 passes through.
  static void appendEscaped(std::string_view s, std::string& out);

 private:
  void appendMessage(const Record& record, std::string& out);
  void appendGap(const Record& record, std::string& out);

  bool showSource_;
  bool colour_;
  UtcTimestamp timestamp_;
  SourceText sourceText_;
};

}  // namespace ncxdp
