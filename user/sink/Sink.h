// The narrow interface every output implements (netconsd's output modules: init / handle / close).
// All calls come from the single sink thread, so implementations need no locking.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "decode/Record.h"

namespace ncxdp {

struct SinkStats {
  std::uint64_t records = 0;  // records handed to write()
  std::uint64_t writeErrors = 0;
  std::uint64_t spilled = 0;  // records not delivered but kept in a local spill file (nats)
  // Outputs that deliver to a remote service and wait for its acknowledgement (nats) set remote
  // and keep these; the metrics exporter only shows them for such outputs.
  bool remote = false;
  bool connected = false;             // a server connection is up
  std::uint64_t delivered = 0;        // records acknowledged
  std::uint64_t retries = 0;          // attempts repeated after an error, timeout or reconnect
  std::uint64_t bufferedRecords = 0;  // accepted, waiting for an acknowledgement
  std::uint64_t bufferedBytes = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Handles one record. Must not throw for IO errors: count them in stats() and report once.
  virtual void write(const Record& record) = 0;
  // End of a batch: push buffered bytes to the OS so `tail -f` sees them promptly.
  virtual void flush() = 0;
  // SIGHUP: close and reopen output files (logrotate moved them away).
  virtual void reopen() {}
  // Final flush before exit; after close() no other call is made.
  virtual void close() { flush(); }
  virtual std::string_view name() const = 0;
  const SinkStats& stats() const { return stats_; }

 protected:
  SinkStats stats_;
};

}  // namespace ncxdp
