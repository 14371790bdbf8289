// Reads back the files of a `dir:` output (sink/DirSink: DIR/<address>_<port>.log, one text line
// per record without the source column, docs/record-format.md) as Records, for `ncxdp triage
// dir:PATH`. The sender comes from the file name; the text is unescaped back to its bytes. The
// Record's views point into this reader and stay valid until the next parse().
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "decode/Record.h"
#include "decode/Source.h"

namespace ncxdp {

class DirLogReader {
 public:
  // "10.0.0.5_6665.log" -> 10.0.0.5:6665, "fd00::5_6665.log" -> [fd00::5]:6665; nullopt otherwise.
  static std::optional<Source> sourceFromFileName(std::string_view name);

  // Undoes TextFormat::appendEscaped: \xNN, \\ and \u{hex}.
  static void unescape(std::string_view in, std::string& out);

  // One line of such a file. Returns false with a reason in `why` for a line it cannot read.
  bool parse(std::string_view line, const Source& src, Record& out, std::string& why);

 private:
  std::string text_;
  std::string release_;
  std::string caller_;
  std::string scratch_;
};

}  // namespace ncxdp
