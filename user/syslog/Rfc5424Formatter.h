// Records as RFC 5424 syslog messages, and the RFC 6587 octet-counting frame for stream transports.
//
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [ncxdp@PEN ...][dict@PEN ...] MSG
//
// - PRI from the record's facility and level; a plain line that sent neither is kern.notice
//   (RFC 3164 4.3.3's choice for a message without PRI, with the kernel's facility).
// - TIMESTAMP: when the record arrived (UTC, microseconds); the kernel's own time is ts_usec.
// - HOSTNAME: the sender's IP address (no port: `src` in the structured data has both).
// - APP-NAME `kernel`, MSGID `-` for records; APP-NAME `ncxdp`, MSGID `gap`, facility syslog,
//   severity warning for gap events, which ncxdp itself reports.
// - ncxdp@PEN: src, format, seq, msgid, release, ts_usec, caller, cont, dump, incomplete, missing,
//   each only when the record has it. dict@PEN: the dictionary, userdata and sysdata in wire
//   order, one SD-PARAM per entry (a key may repeat, as RFC 5424 6.3.3 allows).
// - PARAM-VALUE escapes '"', '\' and ']' with a backslash (RFC 5424 6.3.3). Control characters
//   and bytes that are not UTF-8, which a PARAM-VALUE may not hold, become "\xNN". SD-NAMEs are
//   cut to 32 characters and characters RFC 5424 forbids in them become '_'.
// - MSG is the record's text, bytes as received (MSG-ANY: no BOM, since the kernel promises no
//   encoding). Omitted when empty.
// Formatting reuses the caller's string and allocates nothing once it has grown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "decode/Record.h"
#include "sink/SourceText.h"
#include "sink/UtcTimestamp.h"

namespace ncxdp {

class Rfc5424Formatter {
 public:
  explicit Rfc5424Formatter(std::uint32_t pen);

  // Appends the message for record to out: no framing, no trailing newline.
  void append(const Record& record, std::string& out);

  // Appends one RFC 6587 octet-counted frame, "LEN SP MSG", to out.
  static void appendOctetCounted(std::string_view msg, std::string& out);
  // Appends value as a PARAM-VALUE body (without the quotes).
  static void appendParamValue(std::string_view value, std::string& out);
  // Appends key as a valid SD-NAME.
  static void appendSdName(std::string_view key, std::string& out);

  // PRI for a record's facility and level (-1 or out of range: kern, notice).
  static int priority(int facility, int level);

 private:
  void appendHeader(const Record& record, int pri, std::string_view app, std::string_view msgid,
                    std::string& out);

  std::string mainId_;  // "ncxdp@PEN"
  std::string dictId_;  // "dict@PEN"
  UtcTimestamp clock_;
  SourceText sourceText_;
};

}  // namespace ncxdp
