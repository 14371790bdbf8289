// Extended netconsole escapes every byte < 0x20, >= 0x7f and '\' as "\xNN". Undoing it is one pass
// over the input: "\x5cx41" is the literal text "\x41", never "A".
#pragma once

#include <cstddef>
#include <string_view>

namespace ncxdp {

// Writes the unescaped form of `in` to `out` (which must have room for in.size() bytes: unescaping
// never grows) and returns its length. A backslash not followed by 'x' and two hex digits (an
// escape cut by truncation or a lost fragment) is kept literally, so no byte is ever lost.
std::size_t unescapeInto(std::string_view in, char* out);

}  // namespace ncxdp
