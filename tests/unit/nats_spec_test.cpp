#include "nats/NatsSpec.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace ncxdp {
namespace {

std::string errorOf(const std::string& spec) {
  try {
    parseNatsSpec(spec);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(NatsSpecTest, ServersWithDefaults) {
  const NatsSpec s = parseNatsSpec("nats://127.0.0.1:4222");
  EXPECT_EQ(s.servers, std::vector<std::string>{"nats://127.0.0.1:4222"});
  EXPECT_EQ(s.stream, "NCXDP");
  EXPECT_EQ(s.prefix, "ncxdp");
  EXPECT_EQ(s.replicas, 1);
  EXPECT_EQ(s.spill, "/var/tmp/ncxdp-nats-spill.jsonl");
  EXPECT_EQ(s.bufferBytes, std::size_t(64) << 20);
  EXPECT_EQ(s.id, "");
  EXPECT_EQ(s.ackTimeoutMs, 2000u);
  EXPECT_EQ(s.drainMs, 10000u);
  EXPECT_EQ(s.dedupMs, 120000u);
}

TEST(NatsSpecTest, SeveralServersPortsAndIpv6) {
  const NatsSpec s = parseNatsSpec("nats://a:1,b,[fd00::1]:4223,nats://c:5,[::1]");
  EXPECT_EQ(s.servers, (std::vector<std::string>{"nats://a:1", "nats://b:4222", "nats://[fd00::1]:4223",
                                                 "nats://c:5", "nats://[::1]:4222"}));
  EXPECT_EQ(s.serverList(), "nats://a:1,nats://b:4222,nats://[fd00::1]:4223,nats://c:5,nats://[::1]:4222");
}

TEST(NatsSpecTest, Options) {
  const NatsSpec s = parseNatsSpec(
      "nats://h:4222?stream=LOGS_1&prefix=dc1.netcon&replicas=3&spill=/tmp/x.jsonl&buffer=16M&id=rx-7&"
      "timeout=500&drain=0&dedup=60000");
  EXPECT_EQ(s.stream, "LOGS_1");
  EXPECT_EQ(s.prefix, "dc1.netcon");
  EXPECT_EQ(s.replicas, 3);
  EXPECT_EQ(s.spill, "/tmp/x.jsonl");
  EXPECT_EQ(s.bufferBytes, std::size_t(16) << 20);
  EXPECT_EQ(s.id, "rx-7");
  EXPECT_EQ(s.ackTimeoutMs, 500u);
  EXPECT_EQ(s.drainMs, 0u);
  EXPECT_EQ(s.dedupMs, 60000u);
}

TEST(NatsSpecTest, ErrorsSayWhatAndHow) {
  EXPECT_EQ(errorOf("nats:"), "expected nats://HOST:PORT[,HOST:PORT...]");
  EXPECT_EQ(errorOf("nats://"), "missing server (expected nats://HOST:PORT[,HOST:PORT...])");
  EXPECT_EQ(errorOf("nats://h:x"), "bad port 'x' in 'h:x' (expected 1-65535)");
  EXPECT_EQ(errorOf("nats://h:0"), "bad port '0' in 'h:0' (expected 1-65535)");
  EXPECT_EQ(errorOf("nats://h:65536"), "bad port '65536' in 'h:65536' (expected 1-65535)");
  EXPECT_EQ(errorOf("nats://h:"), "bad port '' in 'h:' (expected 1-65535)");
  EXPECT_EQ(errorOf("nats://a,,b"), "empty server address (expected HOST:PORT)");
  EXPECT_EQ(errorOf("nats://[fd00::1"), "unterminated '[' in '[fd00::1'");
  EXPECT_EQ(errorOf("nats://fd00::1"), "IPv6 address 'fd00::1' needs brackets (nats://[ADDR]:PORT)");
  EXPECT_EQ(errorOf("nats://:4222"), "missing host in ':4222'");
  EXPECT_EQ(errorOf("nats://u@h:1"), "bad host 'u@h'");
  EXPECT_EQ(errorOf("nats://h?replicas=9"), "bad replicas '9' (expected 1-5)");
  EXPECT_EQ(errorOf("nats://h?stream=a.b"), "bad stream name 'a.b' (letters, digits, '-' and '_' only)");
  EXPECT_EQ(errorOf("nats://h?prefix=a.*"),
            "bad subject prefix 'a.*' (tokens of letters, digits, '-' and '_' joined by '.')");
  EXPECT_EQ(errorOf("nats://h?prefix=a..b"),
            "bad subject prefix 'a..b' (tokens of letters, digits, '-' and '_' joined by '.')");
  EXPECT_EQ(errorOf("nats://h?buffer=10K"), "bad buffer size '10K' (at least 1M; examples: 16M, 1G)");
  EXPECT_EQ(errorOf("nats://h?spill="), "empty spill path");
  EXPECT_EQ(errorOf("nats://h?streams=x"),
            "unknown option 'streams' (expected stream, prefix, replicas, spill, buffer, id, timeout, drain "
            "or dedup)");
  EXPECT_EQ(errorOf("nats://h?stream"), "expected KEY=VALUE after '?', got 'stream'");
  EXPECT_EQ(errorOf("nats://h?timeout=10"), "bad timeout (ms) '10' (expected 100-600000)");
}

TEST(NatsSpecTest, Names) {
  EXPECT_TRUE(isNatsName("NCXDP"));
  EXPECT_TRUE(isNatsName("a-b_c9"));
  EXPECT_FALSE(isNatsName(""));
  EXPECT_FALSE(isNatsName("a b"));
  EXPECT_FALSE(isNatsName("a.b"));
  EXPECT_FALSE(isNatsName(">"));
  EXPECT_TRUE(isNatsPrefix("a.b.c"));
  EXPECT_FALSE(isNatsPrefix("a."));
  EXPECT_FALSE(isNatsPrefix(".a"));
  EXPECT_FALSE(isNatsPrefix("a.>"));
}

}  // namespace
}  // namespace ncxdp
