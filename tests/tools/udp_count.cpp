// udp_count: the benchmark's naive receiver, what a quick script or a simple syslog-style daemon
// does: one UDP socket with the system's default buffer, one recvfrom() per datagram into a
// buffer, count. Nothing is decoded or written.
//
//   udp_count [--port N] [--bind ADDR]
// Runs until SIGINT/SIGTERM, then prints {"received":N,"socket_drops":N} on stdout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace {

volatile sig_atomic_t gStop = 0;
void onSignal(int) {
  gStop = 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"naive recvfrom loop: counts datagrams"};
  std::uint16_t port = 6666;
  std::string bind = "0.0.0.0";
  app.add_option("--port", port);
  app.add_option("--bind", bind);
  CLI11_PARSE(app, argc, argv);
  // No SA_RESTART: a signal must interrupt the blocking recvfrom.
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (fd < 0 || inet_pton(AF_INET, bind.c_str(), &addr.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "udp_count: cannot bind %s:%u: %s\n", bind.c_str(), port, std::strerror(errno));
    return 1;
  }
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  std::fprintf(stderr, "udp_count: ready on %s:%u\n", bind.c_str(), port);
  char buf[2048];
  std::uint64_t received = 0;
  while (!gStop) {
    sockaddr_storage from;
    socklen_t fromLen = sizeof from;
    const ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fromLen);
    if (n >= 0) ++received;
  }
  // What the kernel dropped for a full socket buffer, from /proc's per-socket counter.
  std::uint64_t drops = 0;
  if (FILE* f = std::fopen("/proc/net/udp", "r")) {
    char line[512];
    char want[16];
    std::snprintf(want, sizeof want, ":%04X ", port);
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::strstr(line, want) == nullptr) continue;
      const char* last = std::strrchr(line, ' ');
      if (last != nullptr) drops = std::strtoull(last + 1, nullptr, 10);
    }
    std::fclose(f);
  }
  std::printf("{\"received\":%" PRIu64 ",\"socket_drops\":%" PRIu64 "}\n", received, drops);
  close(fd);
  return 0;
}
