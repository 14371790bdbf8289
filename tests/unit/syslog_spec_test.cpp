#include "syslog/SyslogSpec.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace ncxdp {
namespace {

std::string errorOf(const std::string& spec) {
  try {
    parseSyslogSpec(spec);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SyslogSpecTest, Defaults) {
  const SyslogSpec s = parseSyslogSpec("syslog://logs.example");
  EXPECT_EQ(s.host, "logs.example");
  EXPECT_EQ(s.port, 514);
  EXPECT_EQ(s.proto, SyslogProto::Udp);
  EXPECT_EQ(s.bufferBytes, std::size_t(8) << 20);
  EXPECT_EQ(s.drainMs, 5000u);
  EXPECT_EQ(s.pen, 32473u);
  EXPECT_EQ(s.describe(), "udp://logs.example:514");
}

TEST(SyslogSpecTest, ProtocolsPortsAndIpv6) {
  EXPECT_EQ(parseSyslogSpec("syslog://h?proto=tcp").port, 514);
  EXPECT_EQ(parseSyslogSpec("syslog://h?proto=tls").port, 6514);
  EXPECT_EQ(parseSyslogSpec("syslog://h:601?proto=tcp").port, 601);
  const SyslogSpec v6 = parseSyslogSpec("syslog://[fd00::1]:1514?proto=tcp");
  EXPECT_EQ(v6.host, "fd00::1");
  EXPECT_EQ(v6.port, 1514);
  EXPECT_EQ(v6.proto, SyslogProto::Tcp);
  EXPECT_EQ(v6.describe(), "tcp://[fd00::1]:1514");
  EXPECT_EQ(parseSyslogSpec("syslog://[::1]").port, 514);
}

TEST(SyslogSpecTest, Options) {
  const SyslogSpec s = parseSyslogSpec(
      "syslog://h?proto=tls&buffer=1M&drain=0&ca=/etc/ca.pem&cert=/c.pem&key=/k.pem&name=logs.dc1&pen=99999");
  EXPECT_EQ(s.proto, SyslogProto::Tls);
  EXPECT_EQ(s.bufferBytes, std::size_t(1) << 20);
  EXPECT_EQ(s.drainMs, 0u);
  EXPECT_EQ(s.caFile, "/etc/ca.pem");
  EXPECT_EQ(s.certFile, "/c.pem");
  EXPECT_EQ(s.keyFile, "/k.pem");
  EXPECT_EQ(s.serverName, "logs.dc1");
  EXPECT_EQ(s.pen, 99999u);
}

TEST(SyslogSpecTest, ErrorsSayWhatAndHow) {
  EXPECT_EQ(errorOf("syslog:"), "expected syslog://HOST[:PORT][?proto=udp|tcp|tls]");
  EXPECT_EQ(errorOf("syslog://"), "missing host (expected syslog://HOST[:PORT])");
  EXPECT_EQ(errorOf("syslog://:514"), "missing host (expected syslog://HOST[:PORT])");
  EXPECT_EQ(errorOf("syslog://h:x"), "bad port 'x' (expected 1-65535)");
  EXPECT_EQ(errorOf("syslog://h:0"), "bad port '0' (expected 1-65535)");
  EXPECT_EQ(errorOf("syslog://h:"), "bad port '' (expected 1-65535)");
  EXPECT_EQ(errorOf("syslog://fd00::1"), "IPv6 address 'fd00::1' needs brackets (syslog://[ADDR]:PORT)");
  EXPECT_EQ(errorOf("syslog://[fd00::1"), "unterminated '[' in '[fd00::1'");
  EXPECT_EQ(errorOf("syslog://[fd00::1]x"), "expected ':PORT' after ']' in '[fd00::1]x'");
  EXPECT_EQ(errorOf("syslog://u@h"), "bad host 'u@h'");
  EXPECT_EQ(errorOf("syslog://h?proto=relp"), "bad proto 'relp' (expected udp, tcp or tls)");
  EXPECT_EQ(errorOf("syslog://h?proto"), "expected KEY=VALUE after '?', got 'proto'");
  EXPECT_EQ(errorOf("syslog://h?port=5"),
            "unknown option 'port' (expected proto, buffer, drain, ca, cert, key, name or pen)");
  EXPECT_EQ(errorOf("syslog://h?proto=tcp&buffer=1K"), "bad buffer size '1K' (64K to 16G; examples: 8M, 1G)");
  EXPECT_EQ(errorOf("syslog://h?proto=tcp&drain=-1"), "bad drain (ms) '-1' (expected 0-3600000)");
  EXPECT_EQ(errorOf("syslog://h?pen=0"), "bad pen (enterprise number) '0' (expected 1-4294967295)");
  EXPECT_EQ(errorOf("syslog://h?proto=tls&cert=/c.pem"),
            "cert= and key= go together (a client certificate and its key)");
  EXPECT_EQ(errorOf("syslog://h?proto=tcp&ca=/ca.pem"), "ca=, cert=, key= and name= are for proto=tls");
  EXPECT_EQ(errorOf("syslog://h?proto=tls&ca="), "empty ca path");
}

}  // namespace
}  // namespace ncxdp
