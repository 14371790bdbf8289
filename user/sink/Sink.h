// The narrow interface every output implements (netconsd's output modules: init / handle / close).
// All calls come from the single sink thread, so implementations need no locking.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "decode/Record.h"
#include "sink/DropReason.h"
#include "sink/LineWriter.h"

namespace ncxdp {

// For every output, once closed: records = written + dropped.total() for local outputs, and
// records = delivery.delivered + delivery.spilled + dropped.total() for remote ones (README,
// "Loss accounting"). Before that, the difference is what the output still buffers.
struct SinkStats {
  std::uint64_t records = 0;      // records (and gap events) handed to write()
  std::uint64_t written = 0;      // local outputs: records now completely in the file or pipe
  DropCounts dropped;             // records lost for good, by cause
  std::uint64_t writeErrors = 0;  // failed write calls (one may lose many records, or none)
};

// Only outputs that deliver to a remote service and wait for its acknowledgement (nats; syslog
// over TCP or TLS) have these (Sink::delivery()); the metrics exporter and the exit summary show
// them for such outputs alone.
struct DeliveryStats {
  bool connected = false;             // a server connection is up
  std::uint64_t delivered = 0;        // records acknowledged
  std::uint64_t spilled = 0;          // records not delivered but kept in a local spill file (nats)
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
  // Where the output goes, for messages: a path, "stdout", servers. Empty when name() says it all.
  virtual std::string target() const { return {}; }
  const SinkStats& stats() const { return stats_; }
  // A remote output's delivery counters, as current as stats(); nullptr for a local output.
  virtual const DeliveryStats* delivery() const { return nullptr; }

 protected:
  // Adds what a LineWriter reports to the counters. Returns the errno of a failed write (0 if
  // none) so the caller can report it.
  int count(const LineWriter::Outcome& outcome) {
    stats_.written += outcome.written;
    if (outcome.err == 0) return 0;
    ++stats_.writeErrors;
    stats_.dropped.add(dropReasonOf(outcome.err), outcome.lost);
    return outcome.err;
  }

  SinkStats stats_;
};

}  // namespace ncxdp
