#include "syslog/SyslogSink.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

#include "cli/SinkFactory.h"
#include "sink/Sink.h"
#include "syslog/Rfc5424Formatter.h"

namespace ncxdp {
namespace {

// A bound loopback UDP socket standing in for a syslog server.
struct UdpServer {
  UdpServer() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~UdpServer() { ::close(fd); }
  std::string receive() {
    std::string buf(70000, '\0');
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    buf.resize(n > 0 ? std::size_t(n) : 0);
    return buf;
  }
  int fd;
  std::uint16_t port;
};

Record message(std::string_view text) {
  Record r;
  EXPECT_TRUE(Source::parse("10.0.0.5:6665", r.src));
  r.recvTsUs = 1'700'000'000'000'000ull;
  r.format = Format::Extended;
  r.level = 3;
  r.facility = 0;
  r.seq = 1;
  r.text = text;
  return r;
}

TEST(SyslogSinkTest, UdpSendsOneDatagramPerRecord) {
  UdpServer server;
  auto sink = makeSink("syslog://127.0.0.1:" + std::to_string(server.port));
  EXPECT_EQ(sink->name(), "syslog");
  const Record r = message("disk on fire");
  sink->write(r);
  sink->flush();
  Rfc5424Formatter f(SyslogSpec::kDefaultPen);
  std::string want;
  f.append(r, want);
  EXPECT_EQ(server.receive(), want);
  sink->close();
  EXPECT_EQ(sink->stats().records, 1u);
  EXPECT_EQ(sink->stats().writeErrors, 0u);
  EXPECT_EQ(sink->delivery(), nullptr);
}

TEST(SyslogSinkTest, UdpCountsWhatTheKernelRefuses) {
  UdpServer server;
  auto sink = makeSink("syslog://127.0.0.1:" + std::to_string(server.port) + "?proto=udp");
  const std::string huge(70000, 'x');  // larger than any UDP datagram
  sink->write(message(huge));
  sink->write(message("small"));
  sink->close();
  EXPECT_EQ(sink->stats().records, 2u);
  EXPECT_EQ(sink->stats().writeErrors, 1u);
  EXPECT_TRUE(server.receive().ends_with("] small"));
}

TEST(SyslogSinkTest, SpecErrorsNameTheSpec) {
  try {
    makeSink("syslog://h?proto=relp");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "--out 'syslog://h?proto=relp': bad proto 'relp' (expected udp, tcp or tls)");
  }
  try {
    makeSink("syslog://no-such-host.invalid");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(
        "--out 'syslog://no-such-host.invalid': syslog: cannot resolve no-such-host.invalid: "))
        << e.what();
  }
  try {
    makeSink("syslog://127.0.0.1?proto=tls&ca=/no/such/ca.pem");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(
        "--out 'syslog://127.0.0.1?proto=tls&ca=/no/such/ca.pem': tls: cannot load CA certificates from "
        "/no/such/ca.pem: "))
        << e.what();
  }
}

TEST(SyslogSinkTest, TcpBufferFullDropsAndCounts) {
  // Nothing listens on port 1 of loopback: every record waits, the 64 KiB buffer fills, the rest is
  // dropped and counted; at exit (drain=0) what waited is counted too.
  auto sink = makeSink("syslog://127.0.0.1:1?proto=tcp&buffer=64K&drain=0");
  const std::string text(1000, 'y');
  for (int i = 0; i < 100; ++i) sink->write(message(text));
  sink->flush();
  ASSERT_NE(sink->delivery(), nullptr);
  EXPECT_FALSE(sink->delivery()->connected);
  const std::uint64_t waiting = sink->delivery()->bufferedRecords;
  EXPECT_GT(waiting, 40u);
  EXPECT_LT(waiting, 70u);
  EXPECT_EQ(sink->stats().writeErrors, 100u - waiting);
  sink->close();
  EXPECT_EQ(sink->stats().writeErrors, 100u);
  EXPECT_EQ(sink->delivery()->delivered, 0u);
  EXPECT_EQ(sink->delivery()->bufferedRecords, 0u);
}

}  // namespace
}  // namespace ncxdp
