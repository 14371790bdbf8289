// `ncxdp tail --from nats://...`: print the records of every receiver publishing to a JetStream
// stream, as text (like the terminal output) or JSON lines.
#pragma once

#include "cli/Options.h"

namespace ncxdp {

// Returns the exit code: 0 when caught up (or stopped by a signal), 1 on a NATS error, 2 on a bad
// --source. Messages go to stderr prefixed "ncxdp tail: ".
int runTail(const TailOptions& opts);

}  // namespace ncxdp
