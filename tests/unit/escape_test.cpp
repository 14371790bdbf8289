#include "decode/Escape.h"

#include <gtest/gtest.h>

#include <string>

namespace ncxdp {
namespace {

std::string unescape(std::string_view in) {
  std::string out(in.size(), '\0');
  out.resize(unescapeInto(in, out.data()));
  return out;
}

TEST(EscapeTest, Table) {
  struct Case {
    std::string_view in, out;
  } cases[] = {
      {"plain", "plain"},
      {"\\x09", "\t"},
      {"\\x5c", "\\"},
      {"\\x5cx41", "\\x41"},
      {"\\xC3\\xA9", "\xc3\xa9"},
      {"\\x00", std::string_view("\0", 1)},
      {"\\x", "\\x"},
      {"\\x4", "\\x4"},
      {"\\xzz", "\\xzz"},
      {"\\\\x41", "\\A"},
      {"a\\", "a\\"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(unescape(c.in), c.out) << c.in;
}

}  // namespace
}  // namespace ncxdp
