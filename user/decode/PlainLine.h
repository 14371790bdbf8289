// One line of plain (non-extended) netconsole output: "[<N>][[time]][[caller]] text". Every
// prefix is optional because printk.time, CONFIG_PRINTK_CALLER and the console's syslog flag
// vary between kernels and boots.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ncxdp {

struct PlainLine {
  int facility = -1;
  int level = -1;
  std::optional<std::uint64_t> tsUsec;
  std::string_view caller;  // "T123" without the padding
  std::string_view text;    // the message after the prefixes and their separating space
};

// Parses `line` (without its '\n'). Never fails: a line with no recognisable prefix is all text.
PlainLine parsePlainLine(std::string_view line);

// Recognises the kernel's "** N printk messages dropped **" notice; returns N or 0.
std::uint64_t parseDroppedNotice(std::string_view text);

}  // namespace ncxdp
