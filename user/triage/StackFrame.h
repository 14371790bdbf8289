// One call-trace frame of a kernel report, parsed from its text and normalised so that the same
// code path reads the same on every host and release:
//   " ? crashme_write.cold+0x2b/0x130 [ncxdp_crashme 5c1f...]"  ->  crashme_write [ncxdp_crashme], unreliable
// Offsets and lengths change with every build, addresses with KASLR, compiler clone suffixes
// (.cold, .isra.0, .constprop.0, .part.0) with the compiler, build ids with the build; the function
// and module names are what identify the code.
#pragma once

#include <string>
#include <string_view>

namespace ncxdp {

struct StackFrame {
  std::string_view symbol;  // normalised: no offset, no clone suffix
  std::string_view module;  // empty for the core kernel
  bool unreliable = false;  // "? " prefix: the unwinder found the address, not a real caller

  // Parses a call-trace line: optional leading blanks, an optional old-style "[<ffffffff8104a2b3>] ",
  // an optional "? ", then "sym+0xOFF/0xLEN" and an optional " [module]" or " [module buildid]".
  // The views point into `line`. Returns false for anything else (bare addresses included: they
  // identify nothing across hosts).
  static bool parse(std::string_view line, StackFrame& out);

  // "sym" or "sym [module]", the form used in signatures and reports.
  void appendTo(std::string& out) const;
};

// The function part of a symbol: everything before the first '.', which C identifiers never contain
// and compiler clones always add (".cold", ".isra.0", ".constprop.0", ".part.0", ".llvm.123").
std::string_view stripCloneSuffix(std::string_view symbol);

}  // namespace ncxdp
