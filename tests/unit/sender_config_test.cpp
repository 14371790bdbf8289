#include "cli/SenderConfig.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "cli/Options.h"
#include "target_grammar.h"

namespace ncxdp {
namespace {

SenderConfigTarget receiver() {
  SenderConfigTarget t;
  t.iface = "eth1";
  t.address = "10.20.0.1";
  t.mac = "52:54:00:12:34:56";
  t.port = 6667;
  t.senderIface = "ens3";
  return t;
}

// The line has to mean, to the kernel's parser, what ncxdp listens for: parse it with the grammar
// the module itself runs (kmod/target_grammar.c, netconsole's grammar).
ncx_target_config parsed(const std::string& param) {
  ncx_target_config cfg;
  ncx_target_defaults(&cfg);
  ncx_parse_error err{};
  EXPECT_EQ(ncx_parse_target(param.data(), param.size(), &cfg, &err), 0)
      << param << ": " << (err.field ? err.field : "") << " " << (err.reason ? err.reason : "");
  return cfg;
}

TEST(SenderConfigTest, ParamIsExtendedUnicastToThisReceiver) {
  const std::string p = SenderConfig::param(receiver(), false);
  EXPECT_EQ(p, "+@/ens3,6667@10.20.0.1/52:54:00:12:34:56");
  const ncx_target_config cfg = parsed(p);
  EXPECT_TRUE(cfg.extended);
  EXPECT_FALSE(cfg.release) << "stock netconsole of 6.1 has no 'r'";
  EXPECT_EQ(cfg.remote_port, 6667);
  EXPECT_EQ(cfg.local_port, NCX_DEFAULT_LOCAL_PORT);
  EXPECT_FALSE(cfg.has_local_ip) << "each sender's own address";
  EXPECT_STREQ(cfg.dev_name, "ens3");
  const std::uint8_t ip[4] = {10, 20, 0, 1};
  EXPECT_EQ(std::memcmp(cfg.remote_ip.bytes, ip, 4), 0);
  const std::uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  EXPECT_EQ(std::memcmp(cfg.remote_mac, mac, 6), 0);
  EXPECT_LT(p.size(), std::size_t(NCX_MAX_PARAM_LEN));
}

TEST(SenderConfigTest, NcxdpTxFormAddsTheReleaseAndIpv6Works) {
  EXPECT_TRUE(parsed(SenderConfig::param(receiver(), true)).release);
  SenderConfigTarget t = receiver();
  t.address = "fd00:20::1";
  t.mac.clear();  // no MAC: the kernel's broadcast default
  const std::string p = SenderConfig::param(t, true);
  EXPECT_EQ(p, "+r@/ens3,6667@fd00:20::1/");
  const ncx_target_config cfg = parsed(p);
  EXPECT_TRUE(cfg.ipv6);
  for (std::uint8_t b : cfg.remote_mac) EXPECT_EQ(b, 0xff);
}

TEST(SenderConfigTest, RenderHasEveryForm) {
  const std::string text = SenderConfig::render(receiver());
  EXPECT_NE(text.find("# ncxdp receiver: 10.20.0.1 port 6667 on eth1 (MAC 52:54:00:12:34:56)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nnetconsole=+@/ens3,6667@10.20.0.1/52:54:00:12:34:56\n"), std::string::npos);
  for (const char* line :
       {"echo ens3 > dev_name\n", "echo 10.20.0.1 > remote_ip\n", "echo 6667 > remote_port\n",
        "echo 52:54:00:12:34:56 > remote_mac\n", "echo 1 > extended\n", "echo 1 > enabled\n",
        "modprobe ncxdp_tx targets=+r@/ens3,6667@10.20.0.1/52:54:00:12:34:56\n",
        "options ncxdp_tx targets=+r@/ens3,6667@10.20.0.1/52:54:00:12:34:56\n", "dmesg -n 8\n",
        "ncxdp attach eth1 --port 6667"})
    EXPECT_NE(text.find(line), std::string::npos) << line;
  // The MAC must be written before `enabled`: netconsole refuses changes while enabled.
  EXPECT_LT(text.find("> remote_mac"), text.find("echo 1 > enabled"));
  SenderConfigTarget noMac = receiver();
  noMac.mac.clear();
  const std::string t2 = SenderConfig::render(noMac);
  EXPECT_EQ(t2.find("remote_mac"), std::string::npos);
  EXPECT_NE(t2.find("has no MAC address"), std::string::npos);
}

TEST(SenderConfigTest, CommandLine) {
  Options o;
  const char* argv[] = {"ncxdp", "sender-config", "--iface", "lo", "--port", "6670", "--param-only"};
  ASSERT_EQ(parseOptions(7, const_cast<char**>(argv), o), -1);
  EXPECT_EQ(o.command, Command::SenderConfig);
  EXPECT_EQ(o.senderConfig.iface, "lo");
  EXPECT_EQ(o.senderConfig.port, 6670);
  EXPECT_TRUE(o.senderConfig.paramOnly);
  Options bad;
  const char* argv2[] = {"ncxdp", "sender-config", "--port", "0"};
  EXPECT_EQ(parseOptions(4, const_cast<char**>(argv2), bad), 2);
}

TEST(SenderConfigTest, RunRefusesBadArguments) {
  SenderConfigOptions o;
  o.iface = "no-such-if0";
  EXPECT_EQ(SenderConfig::run(o), 2);
  o.iface = "lo";
  o.address = "10.1.1.300";
  EXPECT_EQ(SenderConfig::run(o), 2);
  o.address.clear();
  o.senderIface = "eth0,x";
  EXPECT_EQ(SenderConfig::run(o), 2);
}

}  // namespace
}  // namespace ncxdp
