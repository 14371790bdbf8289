// nats_probe: one NATS request for the system tests, printing the reply's body on stdout.
//
//   nats_probe SERVERS SUBJECT [PAYLOAD]
//
// SERVERS is a comma-separated list (nats://127.0.0.1:4222,...). Used with JetStream's API, for
// example `nats_probe nats://127.0.0.1:4222 '$JS.API.STREAM.INFO.NCXDP' | jq -r .cluster.leader`.
// Exit status 0 with a reply, 1 when no server or no responder answered within 2 seconds.
#include <nats/nats.h>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: nats_probe SERVERS SUBJECT [PAYLOAD]\n");
    return 2;
  }
  natsConnection* nc = nullptr;
  natsStatus s = natsConnection_ConnectTo(&nc, argv[1]);
  if (s != NATS_OK) {
    std::fprintf(stderr, "nats_probe: connect %s: %s\n", argv[1], natsStatus_GetText(s));
    return 1;
  }
  const std::string payload = argc == 4 ? argv[3] : "";
  natsMsg* reply = nullptr;
  s = natsConnection_Request(&reply, nc, argv[2], payload.data(), int(payload.size()), 2000);
  int rc = 0;
  if (s == NATS_OK) {
    std::fwrite(natsMsg_GetData(reply), 1, std::size_t(natsMsg_GetDataLength(reply)), stdout);
    std::fputc('\n', stdout);
  } else {
    std::fprintf(stderr, "nats_probe: request %s: %s\n", argv[2], natsStatus_GetText(s));
    rc = 1;
  }
  natsMsg_Destroy(reply);
  natsConnection_Destroy(nc);
  nats_Close();
  return rc;
}
