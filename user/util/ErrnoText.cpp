#include "util/ErrnoText.h"

#include <system_error>

namespace ncxdp {

std::string errorText(int err) {
  return std::generic_category().message(err);
}

std::string errorTextWithCode(int err) {
  return errorText(err) + " (errno " + std::to_string(err) + ")";
}

}  // namespace ncxdp
