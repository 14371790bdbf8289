#include "cli/Tail.h"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <exception>
#include <string>

#include "cli/Signals.h"
#include "nats/NatsReader.h"
#include "sink/JsonWriter.h"
#include "sink/TextFormat.h"
#include "sink/TextSink.h"
#include "util/FdIo.h"

namespace ncxdp {

namespace {

constexpr std::size_t kFlushBytes = 64 * 1024;

// Formats records into a buffer that goes to stdout after each batch (and whenever it grows big).
class TailPrinter final : public RecordHandler {
 public:
  explicit TailPrinter(bool json)
      : json_(json), text_(/*showSource=*/true, TextSink::wantColour(STDOUT_FILENO)) {}

  void onRecord(const Record& record) override {
    if (json_)
      jsonWriter_.append(record, buf_);
    else
      text_.append(record, buf_);
    if (buf_.size() >= kFlushBytes) flush();
  }

  // Returns false once stdout is gone (a closed pipe): nothing more to do then.
  bool flush() {
    if (buf_.empty() || failed_) return !failed_;
    failed_ = writeAll(STDOUT_FILENO, buf_) != 0;
    buf_.clear();
    return !failed_;
  }
  bool failed() const { return failed_; }

 private:
  bool json_;
  JsonWriter jsonWriter_;
  TextFormat text_;
  std::string buf_;
  bool failed_ = false;
};

}  // namespace

int runTail(const TailOptions& opts) {
  // Before any thread: cnats's threads then inherit the blocked signals, and Ctrl-C reaches us.
  Signals signals;
  NatsReaderConfig config;
  try {
    config.spec = parseNatsSpec(opts.from);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ncxdp tail: --from '%s': %s\n", opts.from.c_str(), e.what());
    return 2;
  }
  if (!opts.stream.empty()) {
    if (!isNatsName(opts.stream)) {
      std::fprintf(stderr, "ncxdp tail: --stream '%s': letters, digits, '-' and '_' only\n",
                   opts.stream.c_str());
      return 2;
    }
    config.spec.stream = opts.stream;
  }
  if (!opts.durable.empty() && !isNatsName(opts.durable)) {
    std::fprintf(stderr, "ncxdp tail: --durable '%s': letters, digits, '-' and '_' only\n",
                 opts.durable.c_str());
    return 2;
  }
  config.source = opts.source;
  config.durable = opts.durable;
  config.follow = opts.follow;

  TailPrinter printer(opts.json);
  bool stopped = false;
  try {
    NatsReader reader(config);
    reader.run(
        printer,
        [&] {
          if (!stopped && signals.wait(0) == SignalEvent::Stop) stopped = true;
          return stopped || printer.failed();
        },
        [&] { printer.flush(); });
    printer.flush();
    if (reader.stats().malformed != 0)
      std::fprintf(stderr, "ncxdp tail: %" PRIu64 " line(s) skipped: not ncxdp records\n",
                   reader.stats().malformed);
  } catch (const std::exception& e) {
    printer.flush();
    std::string what = e.what();
    if (what.starts_with("--source")) {
      std::fprintf(stderr, "ncxdp tail: %s\n", what.c_str());
      return 2;
    }
    std::fprintf(stderr, "ncxdp tail: %s\n", what.c_str());
    return 1;
  }
  return 0;
}

}  // namespace ncxdp
