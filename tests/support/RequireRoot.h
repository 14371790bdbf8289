// One skip policy for every GoogleTest that needs a privilege or a kernel feature: skip where it is
// missing, except under CI=true, where a skip would hide a missing capability and so fails instead
// (the shell tiers do the same in tests/lib/common.sh).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace ncxdp::test {

inline bool ciMode() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

inline std::string rootUnavailable(std::string_view what) {
  return geteuid() == 0 ? std::string() : "needs root: " + std::string(what);
}

}  // namespace ncxdp::test

// Skips the test (fails it under CI=true) when `why` is not empty.
#define NCXDP_REQUIRE(why_expr)                                                    \
  do {                                                                             \
    if (const std::string ncxdp_why = (why_expr); !ncxdp_why.empty()) {            \
      if (::ncxdp::test::ciMode()) FAIL() << "CI=true, cannot run: " << ncxdp_why; \
      GTEST_SKIP() << ncxdp_why;                                                   \
    }                                                                              \
  } while (0)

// For tests that need root, saying for what.
#define REQUIRE_ROOT(what) NCXDP_REQUIRE(::ncxdp::test::rootUnavailable(what))
