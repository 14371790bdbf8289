#include "syslog/SyslogStreamSender.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "syslog/Rfc5424Formatter.h"

namespace ncxdp {
namespace {

using namespace std::chrono_literals;

// A loopback syslog server that parses RFC 6587 octet-counted frames; a broken frame fails the test.
class FrameServer {
 public:
  explicit FrameServer(std::uint16_t port = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~FrameServer() { stop(); }

  std::uint16_t port() const { return port_; }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::vector<std::string> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  bool waitFor(std::size_t n, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (messages().size() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return messages().size() >= n;
  }
  int connections() const { return connections_; }

 private:
  void run() {
    int client = -1;
    std::string buf;
    while (!stop_) {
      pollfd p{client >= 0 ? client : fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      if (client < 0) {
        client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        ++connections_;
        buf.clear();
        continue;
      }
      char chunk[65536];
      const ssize_t n = ::recv(client, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(client);
        client = -1;
        EXPECT_TRUE(buf.empty()) << "connection ended inside a frame";
        continue;
      }
      buf.append(chunk, std::size_t(n));
      for (;;) {
        const std::size_t sp = buf.find(' ');
        if (sp == std::string::npos) break;
        const std::size_t len = std::stoul(buf.substr(0, sp));
        if (buf.size() < sp + 1 + len) break;
        std::lock_guard lock(mu_);
        messages_.push_back(buf.substr(sp + 1, len));
        buf.erase(0, sp + 1 + len);
      }
    }
    if (client >= 0) ::close(client);
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<std::string> messages_;
  std::thread thread_;
};

SyslogSpec specFor(std::uint16_t port, std::uint64_t drainMs = 5000) {
  SyslogSpec s;
  s.host = "127.0.0.1";
  s.port = port;
  s.proto = SyslogProto::Tcp;
  s.drainMs = drainMs;
  return s;
}

std::vector<std::string> framed(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) {
    std::string f;
    Rfc5424Formatter::appendOctetCounted("<6>1 - h kernel - - - message " + std::to_string(i), f);
    out.push_back(std::move(f));
  }
  return out;
}

void submitAll(SyslogStreamSender& s, std::vector<std::string> batch) {
  for (const std::string& m : batch) ASSERT_TRUE(s.reserve(m.size()));
  s.submit(batch);
  EXPECT_TRUE(batch.empty());
}

TEST(SyslogStreamSenderTest, DeliversEveryMessageInOrder) {
  FrameServer server;
  SyslogStreamSender sender(specFor(server.port()));
  submitAll(sender, framed(0, 5000));
  ASSERT_TRUE(server.waitFor(5000, 10s));
  sender.finish();
  const std::vector<std::string> got = server.messages();
  ASSERT_EQ(got.size(), 5000u);
  for (int i = 0; i < 5000; ++i) EXPECT_EQ(got[i], "<6>1 - h kernel - - - message " + std::to_string(i));
  const SyslogSenderStats s = sender.stats();
  EXPECT_EQ(s.delivered, 5000u);
  EXPECT_EQ(s.lost, 0u);
  EXPECT_EQ(s.bufferedRecords, 0u);
  EXPECT_EQ(s.bufferedBytes, 0u);
  EXPECT_EQ(server.connections(), 1);
}

TEST(SyslogStreamSenderTest, ReconnectsAfterTheServerRestartsAndLosesNothing) {
  auto server = std::make_unique<FrameServer>();
  const std::uint16_t port = server->port();
  SyslogStreamSender sender(specFor(port));
  submitAll(sender, framed(0, 100));
  ASSERT_TRUE(server->waitFor(100, 10s));
  server->stop();  // closes the connection: the sender must notice before its next write
  std::this_thread::sleep_for(100ms);
  submitAll(sender, framed(100, 200));
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(sender.stats().connected);
  EXPECT_EQ(sender.stats().bufferedRecords, 100u);
  server = std::make_unique<FrameServer>(port);
  ASSERT_TRUE(server->waitFor(100, 10s));
  sender.finish();
  const std::vector<std::string> got = server->messages();
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got[i], "<6>1 - h kernel - - - message " + std::to_string(100 + i));
  const SyslogSenderStats s = sender.stats();
  EXPECT_EQ(s.delivered, 200u);
  EXPECT_EQ(s.reconnects, 1u);
  EXPECT_EQ(s.lost, 0u);
}

TEST(SyslogStreamSenderTest, WhatTheDrainTimeCannotSendIsCountedLost) {
  std::uint16_t port;
  {
    FrameServer gone;  // a port nobody listens on any more
    port = gone.port();
  }
  SyslogStreamSender sender(specFor(port, 300));
  submitAll(sender, framed(0, 10));
  const auto start = std::chrono::steady_clock::now();
  sender.finish();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  const SyslogSenderStats s = sender.stats();
  EXPECT_EQ(s.lost, 10u);
  EXPECT_EQ(s.delivered, 0u);
  EXPECT_EQ(s.bufferedRecords, 0u);
  EXPECT_EQ(s.bufferedBytes, 0u);
  EXPECT_FALSE(s.connected);
}

TEST(SyslogStreamSenderTest, TheBufferIsBounded) {
  SyslogSpec spec = specFor(1, 0);
  spec.bufferBytes = 64 << 10;
  SyslogStreamSender sender(spec);
  EXPECT_TRUE(sender.reserve(60000));
  EXPECT_FALSE(sender.reserve(10000));
  EXPECT_TRUE(sender.reserve(1000));
  EXPECT_EQ(sender.stats().bufferedRecords, 2u);
}

}  // namespace
}  // namespace ncxdp
