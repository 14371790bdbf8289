// nc_flood: many spoofed plain-netconsole senders that each leave a line unfinished, for the
// decoder memory system test (issue 13 item 3). Every sender gets its own IPv4 address from
// --src-net (raw socket, IP_HDRINCL), so one process stands for tens of thousands of hosts
// without a socket each.
//
//   nc_flood --to ADDR:PORT --src-net A.B.0.0 --senders N --chunks K [--chunk-bytes B]
//            [--finish] [--pps P]
//
// Round 0 sends, from every sender in turn, "[    1.000000] flood sender S " padded with 'x' to
// B bytes and no newline; rounds 1..K-1 send B more bytes of 'y'; with --finish a last round
// sends "end S\n". A receiver that keeps every byte therefore holds, per sender, the line
// "flood sender S xxx...yyy...end S" once its records are joined in order, however often it had
// to emit the line in pieces. Prints the datagrams sent on stdout. Run it only inside a network
// namespace of your own: it forges source addresses.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::uint64_t monotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1'000'000'000 + std::uint64_t(ts.tv_nsec);
}

struct Flood {
  int fd = -1;
  sockaddr_in to{};
  std::uint32_t srcBase = 0;  // host order
  double pps = 0;
  std::uint64_t sent = 0;
  std::uint64_t startNs = 0;
  std::vector<std::uint8_t> packet;

  void send(std::uint32_t sender, const std::string& payload) {
    const std::size_t len = sizeof(iphdr) + sizeof(udphdr) + payload.size();
    packet.assign(len, 0);
    auto* ip = reinterpret_cast<iphdr*>(packet.data());
    ip->version = 4;
    ip->ihl = 5;
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->tot_len = htons(std::uint16_t(len));  // the kernel fills in the id and checksum
    ip->saddr = htonl(srcBase + 1 + sender);
    ip->daddr = to.sin_addr.s_addr;
    auto* udp = reinterpret_cast<udphdr*>(packet.data() + sizeof(iphdr));
    udp->source = htons(6665);
    udp->dest = to.sin_port;
    udp->len = htons(std::uint16_t(sizeof(udphdr) + payload.size()));
    udp->check = 0;  // IPv4: no checksum is valid
    std::memcpy(packet.data() + sizeof(iphdr) + sizeof(udphdr), payload.data(), payload.size());
    if (pps > 0) {
      // Paced: never ahead of the rate, so the veth and the receiver see a steady flood.
      const std::uint64_t due = startNs + std::uint64_t(double(sent) * 1e9 / pps);
      while (monotonicNs() < due) {
      }
    }
    for (int attempt = 0;; ++attempt) {
      if (sendto(fd, packet.data(), len, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
          ssize_t(len))
        break;
      // A full transmit queue is back pressure, not an error: wait a little (bounded).
      if ((errno == ENOBUFS || errno == EAGAIN) && attempt < 1000) {
        usleep(100);
        continue;
      }
      std::fprintf(stderr, "nc_flood: send from sender %u: %s\n", sender, std::strerror(errno));
      std::exit(1);
    }
    ++sent;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spoofed plain netconsole senders that each leave a line unfinished"};
  std::string toText;
  std::string srcNet;
  std::uint32_t senders = 0;
  std::uint32_t chunks = 1;
  std::size_t chunkBytes = 1000;
  bool finish = false;
  double pps = 0;
  app.add_option("--to", toText, "receiver IPv4 ADDR:PORT")->required();
  app.add_option("--src-net", srcNet, "first address of the senders' /8..16 network (sender S is base+1+S)")
      ->required();
  app.add_option("--senders", senders, "senders")->required()->check(CLI::Range(1u, 1u << 20));
  app.add_option("--chunks", chunks, "unfinished datagrams per sender")->check(CLI::Range(0u, 64u));
  app.add_option("--chunk-bytes", chunkBytes, "bytes per unfinished datagram")
      ->check(CLI::Range(std::size_t(40), std::size_t(1400)));
  app.add_flag("--finish", finish, "end every sender's line with a last datagram holding the newline");
  app.add_option("--pps", pps, "datagrams per second (0: as fast as the socket takes them)");
  CLI11_PARSE(app, argc, argv);

  Flood f;
  f.pps = pps;
  const auto colon = toText.rfind(':');
  if (colon == std::string::npos ||
      inet_pton(AF_INET, toText.substr(0, colon).c_str(), &f.to.sin_addr) != 1) {
    std::fprintf(stderr, "nc_flood: --to '%s' is not IPV4:PORT\n", toText.c_str());
    return 2;
  }
  f.to.sin_family = AF_INET;
  f.to.sin_port = htons(std::uint16_t(std::stoul(toText.substr(colon + 1))));
  in_addr base{};
  if (inet_pton(AF_INET, srcNet.c_str(), &base) != 1) {
    std::fprintf(stderr, "nc_flood: --src-net '%s' is not an IPv4 address\n", srcNet.c_str());
    return 2;
  }
  f.srcBase = ntohl(base.s_addr);
  f.fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (f.fd < 0) {
    std::fprintf(stderr, "nc_flood: raw socket: %s (needs CAP_NET_RAW)\n", std::strerror(errno));
    return 1;
  }
  f.startNs = monotonicNs();
  std::string payload;
  for (std::uint32_t round = 0; round < chunks; ++round) {
    for (std::uint32_t s = 0; s < senders; ++s) {
      if (round == 0) {
        payload = "[    1.000000] flood sender " + std::to_string(s) + " ";
        payload.resize(chunkBytes, 'x');
      } else {
        payload.assign(chunkBytes, 'y');
      }
      f.send(s, payload);
    }
  }
  if (finish)
    for (std::uint32_t s = 0; s < senders; ++s) f.send(s, "end " + std::to_string(s) + "\n");
  std::printf("%llu\n", static_cast<unsigned long long>(f.sent));
  close(f.fd);
  return 0;
}
