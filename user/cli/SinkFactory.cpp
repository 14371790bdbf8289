// makeSink(): the --out SPEC grammar. Every error is one line naming the spec and the fix.
#include <stdexcept>
#include <string>

#include "cli/SinkFactory.h"
#include "nats/NatsSink.h"
#include "sink/DirSink.h"
#include "sink/JsonlSink.h"
#include "sink/Sink.h"
#include "sink/TextSink.h"
#include "syslog/SyslogSink.h"

namespace ncxdp {

std::unique_ptr<Sink> makeSink(std::string_view spec) {
  auto fail = [spec](std::string_view what) -> std::runtime_error {
    return std::runtime_error("--out '" + std::string(spec) + "': " + std::string(what));
  };
  if (spec == "text") return std::make_unique<TextSink>();

  const std::size_t colon = spec.find(':');
  const std::string_view type = spec.substr(0, colon);
  const std::string_view arg = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  if (type == "jsonl" || type == "dir") {
    if (arg.empty())
      throw fail(type == "jsonl" ? "missing PATH (use jsonl:PATH, or jsonl:- for stdout)"
                                 : "missing PATH (use dir:PATH)");
    try {
      if (type == "jsonl") return std::make_unique<JsonlSink>(std::string(arg));
      return std::make_unique<DirSink>(std::string(arg));
    } catch (const std::runtime_error& e) {
      throw fail(e.what());
    }
  }
  if (type == "nats") {
    try {
      return std::make_unique<NatsSink>(parseNatsSpec(spec));
    } catch (const std::runtime_error& e) {
      throw fail(e.what());
    }
  }
  if (type == "syslog") {
    try {
      return std::make_unique<SyslogSink>(parseSyslogSpec(spec));
    } catch (const std::runtime_error& e) {
      throw fail(e.what());
    }
  }
  if (type == "text") throw fail("the text sink takes no argument (use --out text)");
  throw fail("unknown sink type '" + std::string(type) +
             "' (expected text, jsonl:PATH, dir:PATH, nats://HOST:PORT or syslog://HOST[:PORT])");
}

}  // namespace ncxdp
