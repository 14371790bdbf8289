// The targets= grammar of the ncxdp_tx kernel module (kmod/target_grammar.c), compiled here as
// the same plain C the module runs.
#include "target_grammar.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace ncxdp {
namespace {

struct Parsed {
  int rc = 0;
  ncx_target_config cfg{};
  ncx_parse_error err{};
};

// Parses from an exact-size heap copy, so a sanitizer sees any read past the end.
Parsed parse(const std::string& s) {
  std::vector<char> copy(s.begin(), s.end());
  Parsed p;
  ncx_target_defaults(&p.cfg);
  p.rc = ncx_parse_target(copy.data(), copy.size(), &p.cfg, &p.err);
  return p;
}

std::vector<std::uint8_t> v4(int a, int b, int c, int d) {
  std::vector<std::uint8_t> out(16, 0);
  out[0] = std::uint8_t(a);
  out[1] = std::uint8_t(b);
  out[2] = std::uint8_t(c);
  out[3] = std::uint8_t(d);
  return out;
}

std::vector<std::uint8_t> ipBytes(const ncx_ip& ip) {
  return {ip.bytes, ip.bytes + 16};
}

TEST(KmodTargetGrammarTest, DefaultsAreNetconsoles) {
  ncx_target_config cfg;
  ncx_target_defaults(&cfg);
  EXPECT_FALSE(cfg.extended);
  EXPECT_FALSE(cfg.release);
  EXPECT_EQ(cfg.local_port, 6665);
  EXPECT_EQ(cfg.remote_port, 6666);
  EXPECT_STREQ(cfg.dev_name, "eth0");
  EXPECT_FALSE(cfg.has_local_ip);
  for (std::uint8_t b : cfg.remote_mac) EXPECT_EQ(b, 0xff);
  EXPECT_FALSE(cfg.has_remote_mac);
}

TEST(KmodTargetGrammarTest, MinimalTargetKeepsEveryDefault) {
  Parsed p = parse("@/,@10.0.0.2/");
  ASSERT_EQ(p.rc, 0) << p.err.field << ": " << p.err.reason;
  EXPECT_FALSE(p.cfg.extended);
  EXPECT_EQ(p.cfg.local_port, 6665);
  EXPECT_EQ(p.cfg.remote_port, 6666);
  EXPECT_STREQ(p.cfg.dev_name, "eth0");
  EXPECT_FALSE(p.cfg.has_local_ip);
  EXPECT_FALSE(p.cfg.ipv6);
  EXPECT_EQ(ipBytes(p.cfg.remote_ip), v4(10, 0, 0, 2));
  for (std::uint8_t b : p.cfg.remote_mac) EXPECT_EQ(b, 0xff);
  EXPECT_FALSE(p.cfg.has_remote_mac);
}

TEST(KmodTargetGrammarTest, EveryFieldSet) {
  Parsed p = parse("+r6601@10.0.0.1/eth1,514@10.0.0.2/00:1a:2B:3c:4d:5E");
  ASSERT_EQ(p.rc, 0) << p.err.field << ": " << p.err.reason;
  EXPECT_TRUE(p.cfg.extended);
  EXPECT_TRUE(p.cfg.release);
  EXPECT_EQ(p.cfg.local_port, 6601);
  EXPECT_TRUE(p.cfg.has_local_ip);
  EXPECT_EQ(ipBytes(p.cfg.local_ip), v4(10, 0, 0, 1));
  EXPECT_STREQ(p.cfg.dev_name, "eth1");
  EXPECT_EQ(p.cfg.remote_port, 514);
  EXPECT_EQ(ipBytes(p.cfg.remote_ip), v4(10, 0, 0, 2));
  const std::uint8_t mac[6] = {0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
  EXPECT_EQ(std::memcmp(p.cfg.remote_mac, mac, 6), 0);
  EXPECT_TRUE(p.cfg.has_remote_mac);
}

TEST(KmodTargetGrammarTest, ExtendedWithoutReleaseAndPlain) {
  Parsed p = parse("+@/,@10.0.0.2/");
  ASSERT_EQ(p.rc, 0);
  EXPECT_TRUE(p.cfg.extended);
  EXPECT_FALSE(p.cfg.release);
  p = parse("6665@/eth0,6666@10.0.0.2/");
  ASSERT_EQ(p.rc, 0);
  EXPECT_FALSE(p.cfg.extended);
}

TEST(KmodTargetGrammarTest, Ipv6Target) {
  Parsed p = parse("+@fd00::2/eth0,6666@fd00::1/");
  ASSERT_EQ(p.rc, 0) << p.err.field << ": " << p.err.reason;
  EXPECT_TRUE(p.cfg.ipv6);
  std::vector<std::uint8_t> want(16, 0);
  want[0] = 0xfd;
  want[15] = 1;
  EXPECT_EQ(ipBytes(p.cfg.remote_ip), want);
  want[15] = 2;
  EXPECT_EQ(ipBytes(p.cfg.local_ip), want);
  // The target alone decides the family when no source IP is given.
  p = parse("@/,@::1/");
  ASSERT_EQ(p.rc, 0);
  EXPECT_TRUE(p.cfg.ipv6);
}

TEST(KmodTargetGrammarTest, DeviceByMacAddress) {
  Parsed p = parse("@/52:54:00:12:34:56,@10.0.0.2/");
  ASSERT_EQ(p.rc, 0) << p.err.field << ": " << p.err.reason;
  EXPECT_TRUE(p.cfg.has_dev_mac);
  EXPECT_STREQ(p.cfg.dev_name, "");
  const std::uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  EXPECT_EQ(std::memcmp(p.cfg.dev_mac, mac, 6), 0);
}

TEST(KmodTargetGrammarTest, LongestDeviceNameFits) {
  Parsed p = parse("@/abcdefghijklmno,@10.0.0.2/");
  ASSERT_EQ(p.rc, 0);
  EXPECT_STREQ(p.cfg.dev_name, "abcdefghijklmno");
}

// Bytes over 0x7f are compared as unsigned: the kernel accepts such names (dev_valid_name), and
// 6.1 (signed char) and 6.12 (-funsigned-char) must agree. Signed, 0xc3 would be "<= ' '".
TEST(KmodTargetGrammarTest, NonAsciiDeviceNameAcceptedWhateverCharSignedness) {
  Parsed p = parse("@/eth\xc3\xa9,@10.0.0.2/");
  ASSERT_EQ(p.rc, 0) << p.err.field << ": " << p.err.reason;
  EXPECT_STREQ(p.cfg.dev_name, "eth\xc3\xa9");
}

// Every refusal names the field, where the bad text starts and how long it is.
TEST(KmodTargetGrammarTest, ErrorsNameFieldAndPosition) {
  struct Case {
    std::string input;
    const char* field;
    std::size_t offset;
    std::size_t len;
    const char* reasonPart;
  } cases[] = {
      {"", "target", 0, 0, "empty target"},
      {"r@/,@1.2.3.4/", "flags", 0, 1, "needs '+'"},
      {"+x@/,@1.2.3.4/", "src-port", 1, 1, "not a port number"},
      {"abc@/,@1.2.3.4/", "src-port", 0, 3, "not a port number"},
      {"0@/,@1.2.3.4/", "src-port", 0, 1, "not a port number"},
      {"65536@/,@1.2.3.4/", "src-port", 0, 5, "not a port number"},
      {"+r6665", "src-port", 2, 4, "missing '@'"},
      {"@10.0.0.300/,@1.2.3.4/", "src-ip", 1, 10, "not an IPv4 or IPv6"},
      {"@10.0.0.1", "src-ip", 1, 8, "missing '/'"},
      {"@/eth0", "dev", 2, 4, "missing ','"},
      {"@/averyverylongname,@1.2.3.4/", "dev", 2, 17, "longer than 15"},
      {"@/eth 0,@1.2.3.4/", "dev", 2, 5, "whitespace"},
      {"@/00:11:22:33:44,@1.2.3.4/", "dev", 2, 14, "not a device name or MAC"},
      {"@/,x@1.2.3.4/", "tgt-port", 3, 1, "not a port number"},
      {"@/,6666", "tgt-port", 3, 4, "missing '@'"},
      {"@/,@1.2.3.4", "tgt-ip", 4, 7, "missing '/'"},
      {"@/,@/", "tgt-ip", 4, 0, "required"},
      {"@/,@1.2.3/", "tgt-ip", 4, 5, "not an IPv4 or IPv6"},
      {"@/,@fd00:::1/", "tgt-ip", 4, 8, "not an IPv4 or IPv6"},
      {"@10.0.0.1/,@fd00::1/", "tgt-ip", 12, 7, "different families"},
      {"@fd00::2/,@10.0.0.1/", "tgt-ip", 11, 8, "different families"},
      {"@/,@1.2.3.4/00:11:22:33:44:5", "tgt-macaddr", 12, 16, "not a MAC address"},
      {"@/,@1.2.3.4/00:11:22:33:44:55:66", "tgt-macaddr", 12, 20, "not a MAC address"},
      {"@/,@1.2.3.4/00-11-22-33-44-55", "tgt-macaddr", 12, 17, "not a MAC address"},
  };
  for (const Case& c : cases) {
    Parsed p = parse(c.input);
    ASSERT_EQ(p.rc, -1) << c.input;
    EXPECT_STREQ(p.err.field, c.field) << c.input;
    EXPECT_EQ(p.err.offset, c.offset) << c.input;
    EXPECT_EQ(p.err.len, c.len) << c.input;
    EXPECT_NE(std::string(p.err.reason).find(c.reasonPart), std::string::npos)
        << c.input << ": " << p.err.reason;
    EXPECT_LE(p.err.offset + p.err.len, c.input.size()) << c.input;
  }
}

TEST(KmodTargetGrammarTest, NextTargetSplitsOnSemicolons) {
  const std::string param = "+@/,@10.0.0.2/;;6601@/eth1,@10.0.0.3/";
  const char* cursor = param.data();
  const char* end = param.data() + param.size();
  std::vector<std::string> got;
  std::size_t len = 0;
  while (const char* t = ncx_next_target(&cursor, end, &len)) got.emplace_back(t, len);
  EXPECT_EQ(got, (std::vector<std::string>{"+@/,@10.0.0.2/", "", "6601@/eth1,@10.0.0.3/"}));

  // A trailing ';' leaves an empty last target, which the parser then reports.
  const std::string trailing = "@/,@10.0.0.2/;";
  cursor = trailing.data();
  got.clear();
  while (const char* t = ncx_next_target(&cursor, trailing.data() + trailing.size(), &len))
    got.emplace_back(t, len);
  EXPECT_EQ(got, (std::vector<std::string>{"@/,@10.0.0.2/", ""}));
}

TEST(KmodTargetGrammarTest, Ipv4Table) {
  struct Case {
    const char* in;
    bool ok;
  } cases[] = {{"0.0.0.0", true},    {"255.255.255.255", true}, {"10.0.0.1", true},
               {"256.0.0.1", false}, {"1.2.3", false},          {"1.2.3.4.5", false},
               {"1..3.4", false},    {"1.2.3.4 ", false},       {"1.2.3.0004", false},
               {"", false},          {"a.b.c.d", false},        {"1.2.3.-4", false}};
  for (const Case& c : cases) {
    std::uint8_t out[4];
    EXPECT_EQ(ncx_parse_ipv4(c.in, std::strlen(c.in), out) == 0, c.ok) << c.in;
  }
  std::uint8_t out[4];
  ASSERT_EQ(ncx_parse_ipv4("192.168.7.42", 12, out), 0);
  EXPECT_EQ(out[0], 192);
  EXPECT_EQ(out[3], 42);
}

TEST(KmodTargetGrammarTest, Ipv6Table) {
  struct Case {
    const char* in;
    const char* hex;  // expected 16 bytes as hex; nullptr: must be rejected
  } cases[] = {
      {"::", "00000000000000000000000000000000"},
      {"::1", "00000000000000000000000000000001"},
      {"1::", "00010000000000000000000000000000"},
      {"fd00::1", "fd000000000000000000000000000001"},
      {"fd00:213::2", "fd000213000000000000000000000002"},
      {"1:2:3:4:5:6:7:8", "00010002000300040005000600070008"},
      {"1:2:3:4:5:6:7::", "00010002000300040005000600070000"},
      {"::2:3:4:5:6:7:8", "00000002000300040005000600070008"},
      {"FE80::ABCD:ef01", "fe8000000000000000000000abcdef01"},
      {"::ffff:10.0.0.1", "00000000000000000000ffff0a000001"},
      {"64:ff9b::192.0.2.33", "0064ff9b0000000000000000c0000221"},
      {"1:2:3:4:5:6:7:8:9", nullptr},
      {"1:2:3:4:5:6:7", nullptr},
      {"1::2::3", nullptr},
      {":1", nullptr},
      {"1:", nullptr},
      {"1:::2", nullptr},
      {"12345::1", nullptr},
      {"g::1", nullptr},
      {"::1.2.3.4:5", nullptr},
      {"1:2:3:4:5:6:7:1.2.3.4", nullptr},
      {"1:2:3:4:5:6:7:8::", nullptr},
      {":", nullptr},
      {"", nullptr},
  };
  for (const Case& c : cases) {
    std::uint8_t out[16];
    int rc = ncx_parse_ipv6(c.in, std::strlen(c.in), out);
    if (!c.hex) {
      EXPECT_EQ(rc, -1) << c.in;
      continue;
    }
    ASSERT_EQ(rc, 0) << c.in;
    char hex[33];
    for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", out[i]);
    EXPECT_STREQ(hex, c.hex) << c.in;
  }
}

TEST(KmodTargetGrammarTest, PortAndMacParsers) {
  std::uint16_t port = 0;
  EXPECT_EQ(ncx_parse_port("1", 1, &port), 0);
  EXPECT_EQ(port, 1);
  EXPECT_EQ(ncx_parse_port("65535", 5, &port), 0);
  EXPECT_EQ(port, 65535);
  for (const char* bad : {"", "0", "00", "65536", "123456", "-1", "+1", "+5", "1 ", "0x10", "00012", "012"})
    EXPECT_EQ(ncx_parse_port(bad, std::strlen(bad), &port), -1) << bad;
  std::uint8_t mac[6];
  EXPECT_EQ(ncx_parse_mac("ff:FF:00:0a:B0:01", 17, mac), 0);
  EXPECT_EQ(mac[0], 0xff);
  EXPECT_EQ(mac[5], 0x01);
  for (const char* bad :
       {"ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:fg", "ff:ff:ff:ff:ff:ff:", "ffff:ff:ff:ff:ff", "ff.ff.ff.ff.ff.ff"})
    EXPECT_EQ(ncx_parse_mac(bad, std::strlen(bad), mac), -1) << bad;
}

// Random strings made of the grammar's own characters: the parser either accepts with a valid
// result or names a field inside the input, and never reads past the end (ASan build).
TEST(KmodTargetGrammarTest, RandomInputNeverEscapesTheString) {
  const std::string alphabet = "+r@/,:.;0123456789abcdefx \n";
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    Parsed p = parse(s);
    if (p.rc == 0) {
      EXPECT_LT(std::strlen(p.cfg.dev_name), sizeof(p.cfg.dev_name)) << s;
      EXPECT_NE(p.cfg.local_port, 0) << s;
      EXPECT_NE(p.cfg.remote_port, 0) << s;
    } else {
      ASSERT_EQ(p.rc, -1);
      ASSERT_NE(p.err.field, nullptr);
      EXPECT_LE(p.err.offset + p.err.len, s.size()) << s;
    }
  }
}

}  // namespace
}  // namespace ncxdp
