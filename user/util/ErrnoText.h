// The text of an errno value, for error messages. Thread-safe, unlike strerror(): capture, sink
// and publisher threads all report errors.
#pragma once

#include <string>

namespace ncxdp {

// "No space left on device".
std::string errorText(int err);

// "No space left on device (errno 28)": where the number helps someone search for the cause.
std::string errorTextWithCode(int err);

}  // namespace ncxdp
