// Names the calling thread, so that `top -H`, `ps -L` and perf tell ncxdp's threads apart
// (ncxdp-xsk/3 takes frames off RX queue 3, ncxdp-decode/3 decodes them, ncxdp-sink writes the
// outputs), and a benchmark can split the receiver's CPU time by stage.
#pragma once

#include <string>

namespace ncxdp {

// Linux keeps 15 bytes of a thread name: longer names are cut there. Failure is ignored: a name
// is only a label.
void nameThisThread(const std::string& name);

}  // namespace ncxdp
