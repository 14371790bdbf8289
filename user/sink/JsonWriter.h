// Serializes records as JSON lines, the format scripts consume (docs/record-format.md). Field names
// and order are fixed. Appends to a caller-owned buffer, so a reused buffer means no allocation per
// record once it has grown to the largest line.
#pragma once

#include <string>
#include <string_view>

#include "decode/Record.h"
#include "sink/SourceText.h"
#include "sink/UtcTimestamp.h"

namespace ncxdp {

class JsonWriter {
 public:
  // Appends one JSON object for the record, followed by '\n'.
  void append(const Record& record, std::string& out);

  // Appends s as a quoted JSON string. Escapes '"', '\\', every C0 control, DEL, the C1 controls,
  // the bidi overrides/isolates and U+2028/U+2029 (so the file is safe to `cat` on a terminal and to
  // embed in JavaScript); each invalid UTF-8 maximal subpart becomes \ufffd. Other valid UTF-8
  // passes through unchanged. Returns whether s was valid UTF-8 (no replacement was needed).
  static bool appendString(std::string_view s, std::string& out);
  // Appends the bytes of s as lowercase hex digits, unquoted.
  static void appendHex(std::string_view s, std::string& out);

 private:
  void appendMessage(const Record& record, std::string& out);
  void appendGap(const Record& record, std::string& out);
  void appendPrologue(const Record& record, std::string& out);

  UtcTimestamp timestamp_;
  SourceText sourceText_;
};

}  // namespace ncxdp
