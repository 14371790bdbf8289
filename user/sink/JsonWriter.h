// Serializes records as JSON lines, the format scripts consume (docs/record-format.md). Field names
// and order are fixed. The core writes into raw memory the caller sized with maxBytes(): one bound
// per record instead of a capacity check per field, which matters because the single sink thread
// formats every record of a storm.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "decode/Record.h"
#include "sink/SourceText.h"
#include "sink/UtcTimestamp.h"

namespace ncxdp {

class JsonWriter {
 public:
  // Upper bound of what write() produces for this record.
  static std::size_t maxBytes(const Record& record);
  // Writes one JSON object for the record, followed by '\n', into out (maxBytes(record) available);
  // returns the end of what was written.
  char* write(const Record& record, char* out);
  // The same, appended to a string.
  void append(const Record& record, std::string& out);

  // Appends s as a quoted JSON string. Escapes '"', '\\', every C0 control, DEL, the C1 controls,
  // the bidi overrides/isolates and U+2028/U+2029 (so the file is safe to `cat` on a terminal and to
  // embed in JavaScript); each invalid UTF-8 maximal subpart becomes \ufffd. Other valid UTF-8
  // passes through unchanged. Returns whether s was valid UTF-8 (no replacement was needed).
  static bool appendString(std::string_view s, std::string& out);
  // Appends the bytes of s as lowercase hex digits, unquoted.
  static void appendHex(std::string_view s, std::string& out);

 private:
  char* writeMessage(const Record& record, char* p);
  char* writeGap(const Record& record, char* p);
  char* writePrologue(const Record& record, char* p);

  UtcTimestamp timestamp_;
  SourceText sourceText_;
};

}  // namespace ncxdp
