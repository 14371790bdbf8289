// Reads back one line of ncxdp's JSON lines output (docs/record-format.md) as a Record, for
// `ncxdp triage` on jsonl: files. The Record's views point into this reader and stay valid until
// the next parse().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "decode/Record.h"

namespace ncxdp {

class JsonlRecordReader {
 public:
  // Returns false with a one-line reason in `why` when the line is not a record ncxdp writes.
  // Message lines and gap events both parse (gap events as RecordKind::Gap).
  bool parse(std::string_view line, Record& out, std::string& why);

 private:
  std::string text_;
  std::string release_;
  std::string caller_;
  std::vector<std::string> dictStrings_;
  std::vector<KeyValue> dict_;
};

}  // namespace ncxdp
