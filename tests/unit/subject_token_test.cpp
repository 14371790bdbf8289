#include "nats/SubjectToken.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "decode/Source.h"

namespace ncxdp {
namespace {

bool isSubjectTokenSafe(const std::string& t) {
  for (char c : t)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '~'))
      return false;
  return !t.empty();
}

TEST(SubjectTokenTest, AddressesBecomeOneSafeToken) {
  EXPECT_EQ(subjectToken("10.0.0.5:6665"), "10_0_0_5-6665");
  EXPECT_EQ(subjectToken("[fd00::5]:6665"), "fd00--5-6665");
  EXPECT_EQ(subjectToken("[::1]:1"), "--1-1");
  EXPECT_EQ(subjectToken("[::ffff:1.2.3.4]:9"), "--ffff-1_2_3_4-9");
}

TEST(SubjectTokenTest, WildcardsSeparatorsAndSpacesAreEscaped) {
  // Nothing that NATS treats specially survives: '.', '*', '>', whitespace.
  EXPECT_EQ(subjectToken("a.b"), "a_b");
  EXPECT_EQ(subjectToken("*"), "~2a");
  EXPECT_EQ(subjectToken(">"), "~3e");
  EXPECT_EQ(subjectToken("a b\tc"), "a~20b~09c");
  EXPECT_EQ(subjectToken("~_-"), "~7e~5f~2d");
  EXPECT_EQ(subjectToken(std::string("\x00\xff", 2)), "~00~ff");
  EXPECT_TRUE(isSubjectTokenSafe(subjectToken("a.b*c>d e\n")));
}

TEST(SubjectTokenTest, DistinctSourcesGetDistinctTokens) {
  // Pairs that a naive "replace everything by _" would merge.
  const char* sources[] = {
      "10.0.0.5:6665", "10.0.0.56:665",       "10.0.0.50:665",  "[::10.0.0.5]:6665",   "[::a00:5]:6665",
      "[1::2]:3",      "[1:0:0:0:0:0:0:2]:3", "[fd00::5]:6665", "[fd00:0:0:5::]:6665", "[fd00::5:0]:6665",
      "1.2.3.4:5",     "[::1.2.3.4]:5",       "[::1:2:3:4]:5"};
  std::set<std::string> tokens;
  std::set<std::string> canonical;
  for (const char* s : sources) {
    Source src;
    ASSERT_TRUE(Source::parse(s, src)) << s;
    // Tokens are made from the canonical text, as the sink does (Source::format).
    if (!canonical.insert(src.toString()).second) continue;
    const std::string t = subjectToken(src.toString());
    EXPECT_TRUE(isSubjectTokenSafe(t)) << t;
    EXPECT_TRUE(tokens.insert(t).second) << "collision: " << s << " -> " << t;
  }
  EXPECT_EQ(tokens.size(), canonical.size());
}

TEST(SubjectTokenTest, TokenMapsBackToTheSource) {
  for (const char* s :
       {"10.0.0.5:6665", "[fd00::5]:6665", "[::1]:1", "[::ffff:1.2.3.4]:9", "255.255.255.255:65535"})
    EXPECT_EQ(sourceFromToken(subjectToken(s)), s);
  EXPECT_EQ(sourceFromToken(""), "");
  EXPECT_EQ(sourceFromToken("nodash"), "");
  EXPECT_EQ(sourceFromToken("a~2a-1"), "");
  EXPECT_EQ(sourceFromToken("10_0_0_5-"), "");
}

}  // namespace
}  // namespace ncxdp
