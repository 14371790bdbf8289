// One call-trace frame of a kernel report, parsed from its text and normalised so that the same
// code path reads the same on every host, release and architecture:
//   " ? crashme_write.cold+0x2b/0x130 [ncxdp_crashme 5c1f...]"  ->  crashme_write [ncxdp_crashme], unreliable
// Offsets and lengths change with every build, addresses with KASLR, compiler clone suffixes
// (.cold, .isra.0, .constprop.0, .part.0) with the compiler, build ids with the build; the function
// and module names are what identify the code.
//
// The frame formats read (each as printed by the kernels named):
//   " func+0x1/0x2 [mod]"                                   x86 4.x+, arm64 (the common form)
//   " [<ffffffff8104a2b3>] func+0x1/0x2"                    x86 2.6-4.x, s390 ("([<...>] f+0x1/0x2)")
//   " func+0x86/0xa0 [cfg80211]()"                          WARNING sites on 2.6-4.x
//   "[<c0123456>] (func) from [<c0123457>] (caller+0x1/0x2)"  arm32 3.x+ ("(func+0x0/0x10) from" on 3.x)
//   "[c00000000fe9e3b70] [c000000000068df8] .func+0x1/0x2 (unreliable)"  ppc64
//   " func+0x1/0x2 net/ipv4/af_inet.c:157"                  symbolized (syzkaller)
//   " __dump_stack lib/dump_stack.c:77 [inline]"            symbolized inline frame
//   " func (net/ipv4/af_inet.c:157 (discriminator 1))"      scripts/decode_stacktrace.sh
#pragma once

#include <string>
#include <string_view>

namespace ncxdp {

struct StackFrame {
  std::string_view symbol;  // normalised: no offset, no clone suffix, no ppc64 leading '.'
  std::string_view module;  // empty for the core kernel
  bool unreliable =
      false;  // "? " prefix (ppc64: "(unreliable)"): the unwinder found the address, not a real caller
  bool inlined = false;  // "[inline]" from a symbolizer: not a frame the kernel printed

  // Parses a whole call-trace line in one of the formats above. The views point into `line`.
  // Returns false for anything else (bare addresses included: they identify nothing across hosts).
  static bool parse(std::string_view line, StackFrame& out);
  // Parses the frame at the start of `text` and ignores what follows it ("RIP: 0010:" lines,
  // "PC is at func+0x1/0x2", "EIP: [<c05fcc7a>] func+0x1/0x2 SS:ESP 0068:f0835e44").
  static bool parseLeading(std::string_view text, StackFrame& out);

  // "sym" or "sym [module]", the form used in signatures and reports.
  void appendTo(std::string& out) const;
};

// The function part of a symbol: everything before the first '.', which C identifiers never contain
// and compiler clones always add (".cold", ".isra.0", ".constprop.0", ".part.0", ".llvm.123").
std::string_view stripCloneSuffix(std::string_view symbol);

}  // namespace ncxdp
