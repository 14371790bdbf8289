#include "util/ThreadName.h"

#include <pthread.h>

namespace ncxdp {

void nameThisThread(const std::string& name) {
  // The kernel refuses (ERANGE) rather than truncates a name of 16 bytes or more.
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace ncxdp
