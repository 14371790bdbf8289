// The inverse of sink/JsonWriter: one JSON line of the jsonl format (docs/record-format.md) back
// into a Record, for everything that reads records ncxdp wrote (the NATS readers, and any tool
// that takes jsonl files). Exact: writing the parsed record again gives the same line, because
// text_hex and the dictionary's hex element restore the bytes that were not valid UTF-8.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "decode/Record.h"

namespace ncxdp {

class JsonRecordParser {
 public:
  // Parses line (with or without its '\n'). On success, out's views point into this parser and
  // stay valid until the next call. On failure returns false and sets error to one line.
  bool parse(std::string_view line, Record& out, std::string& error);

 private:
  std::string text_;
  std::string release_;
  std::string caller_;
  std::vector<std::string> dictStrings_;  // key, value, key, value, ...
  std::vector<KeyValue> dict_;
  std::vector<ByteRange> missing_;
};

}  // namespace ncxdp
