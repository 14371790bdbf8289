// Where and how ncxdp talks to NATS JetStream: the `nats://` spec shared by the output
// (`--out nats://...`) and the readers (`ncxdp tail --from nats://...`).
//
//   nats://HOST[:PORT][,HOST[:PORT]...][?KEY=VALUE[&KEY=VALUE...]]
//
// HOST is a name, an IPv4 address or a bracketed IPv6 address; PORT defaults to 4222. Every
// server listed is a seed: the client reconnects to any of them (and to the cluster members they
// announce). Keys (all optional): stream, prefix, replicas, spill, buffer, id, timeout, drain,
// dedup; see the defaults below and docs/nats.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ncxdp {

struct NatsSpec {
  static constexpr const char* kDefaultStream = "NCXDP";
  static constexpr const char* kDefaultPrefix = "ncxdp";
  static constexpr const char* kDefaultSpill = "/var/tmp/ncxdp-nats-spill.jsonl";
  static constexpr std::uint16_t kDefaultPort = 4222;

  std::vector<std::string> servers;  // "nats://HOST:PORT", in the order given
  std::string stream = kDefaultStream;
  std::string prefix = kDefaultPrefix;              // records go to <prefix>.<source token>
  int replicas = 1;                                 // when ncxdp creates the stream
  std::string spill = kDefaultSpill;                // undeliverable records, JSON lines
  std::size_t bufferBytes = std::size_t(64) << 20;  // records waiting for acks, at most
  std::string id;                                   // receiver id in message ids; empty: the host name
  std::uint64_t ackTimeoutMs = 2000;                // one publish attempt waits this long for its ack
  std::uint64_t drainMs = 10000;                    // at exit, how long undelivered records may still wait
  std::uint64_t dedupMs = 120000;                   // duplicate window of a stream ncxdp creates

  // "nats://a:4222,b:4222", for messages.
  std::string serverList() const;
};

// Parses a spec. Throws std::runtime_error naming what is wrong and the fix, for example
// "bad port 'x' in 'h:x' (expected 1-65535)".
NatsSpec parseNatsSpec(std::string_view spec);

// NATS names: a stream name is one token of letters, digits, '-' and '_'; a prefix is one or
// more such tokens joined by '.'. Narrower than what NATS accepts, so no shell or wildcard
// character ever reaches a subject.
bool isNatsName(std::string_view s);
bool isNatsPrefix(std::string_view s);

}  // namespace ncxdp
