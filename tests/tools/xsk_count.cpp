// xsk_count: the benchmark's bare AF_XDP receive loop, the floor any AF_XDP receiver is measured
// against. Same XDP program, socket, UMEM and ring size as `ncxdp attach`, but the loop only
// counts frames and recycles them: no parsing, no decoding, no ring, no sink. Poll-based (a
// spinning consumer would starve NAPI on a shared core).
//
//   xsk_count IFACE [--port N] [--ring N] [--batch N]
// Runs until SIGINT/SIGTERM, then prints {"received":N,"rx_ring_full":...} on stdout.
#include <poll.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <exception>

#include "capture/XdpProgram.h"
#include "capture/XskSocket.h"

namespace {

volatile sig_atomic_t gStop = 0;
void onSignal(int) {
  gStop = 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bare AF_XDP receive loop: counts frames"};
  std::string ifname;
  std::uint16_t port = 6666;
  std::uint32_t ring = 4096;
  std::uint32_t batch = 64;
  app.add_option("interface", ifname)->required();
  app.add_option("--port", port);
  app.add_option("--ring", ring);
  app.add_option("--batch", batch);
  CLI11_PARSE(app, argc, argv);
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  try {
    ncxdp::XdpConfig config;
    config.ports = {port};
    config.queues = 1;
    ncxdp::XdpProgram program(config);
    program.attach(ifname);
    ncxdp::XskSocket socket(ifname, 0, ring, ncxdp::XskBindMode::Copy);
    program.setXsk(0, socket.fd());
    std::fprintf(stderr, "xsk_count: ready on %s\n", ifname.c_str());
    xsk_ring_cons& rx = socket.rx();
    xsk_ring_prod& fill = socket.umem().fill();
    std::uint64_t received = 0;
    while (!gStop) {
      std::uint32_t rxIndex = 0;
      const std::uint32_t n = xsk_ring_cons__peek(&rx, batch, &rxIndex);
      if (n == 0) {
        pollfd pfd{socket.fd(), POLLIN, 0};
        poll(&pfd, 1, 100);
        continue;
      }
      std::uint32_t fillIndex = 0;
      // Every frame is in the fill ring, the RX ring or this batch, so this cannot fail.
      const std::uint32_t reserved = xsk_ring_prod__reserve(&fill, n, &fillIndex);
      for (std::uint32_t i = 0; i < reserved; ++i)
        *xsk_ring_prod__fill_addr(&fill, fillIndex + i) =
            xsk_umem__extract_addr(xsk_ring_cons__rx_desc(&rx, rxIndex + i)->addr);
      xsk_ring_prod__submit(&fill, reserved);
      xsk_ring_cons__release(&rx, n);
      received += n;
    }
    const ncxdp::XskStats s = socket.stats();
    program.clearXsk(0);
    std::printf("{\"received\":%" PRIu64 ",\"rx_ring_full\":%" PRIu64 ",\"fill_ring_empty\":%" PRIu64
                ",\"rx_dropped\":%" PRIu64 "}\n",
                received, s.rxRingFull, s.fillRingEmpty, s.rxDropped);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xsk_count: %s\n", e.what());
    return 1;
  }
}
