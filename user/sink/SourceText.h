// "addr:port" of the last source seen. inet_ntop costs more than the rest of a JSON line, and
// records come in bursts from one source, so the sinks format each source once per burst.
#pragma once

#include <cstddef>
#include <string_view>

#include "decode/Source.h"

namespace ncxdp {

class SourceText {
 public:
  std::string_view of(const Source& src) {
    if (!valid_ || !(src == last_)) {
      len_ = src.format(text_);
      last_ = src;
      valid_ = true;
    }
    return {text_, len_};
  }

 private:
  Source last_;
  bool valid_ = false;
  std::size_t len_ = 0;
  char text_[Source::kMaxText];
};

}  // namespace ncxdp
