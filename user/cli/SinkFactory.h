// The --out SPEC grammar: which sink each output spec builds. It lives with the commands because
// it is where every kind of output (files, NATS, ...) meets; the sinks themselves know nothing of
// each other.
#pragma once

#include <memory>
#include <string_view>

#include "sink/Sink.h"

namespace ncxdp {

// Builds a sink from an --out SPEC: "text", "jsonl:PATH" ("-" is stdout), "dir:PATH",
// "nats://HOST:PORT[,HOST:PORT...][?options]" (NatsSpec.h).
// Throws std::runtime_error with a one-line message naming the spec and what is wrong.
std::unique_ptr<Sink> makeSink(std::string_view spec);

}  // namespace ncxdp
