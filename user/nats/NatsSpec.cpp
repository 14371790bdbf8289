#include "nats/NatsSpec.h"

#include <stdexcept>

#include "util/ByteSize.h"
#include "util/SpecSyntax.h"

namespace ncxdp {

namespace {

std::runtime_error bad(const std::string& what) {
  return std::runtime_error(what);
}

// "HOST[:PORT]" or "[V6][:PORT]", optionally with a nats:// scheme of its own.
std::string parseServer(std::string_view s) {
  if (s.starts_with("nats://")) s.remove_prefix(7);
  if (s.empty()) throw bad("empty server address (expected HOST:PORT)");
  const HostPort hp = splitHostPort(s);
  if (hp.bareIpv6()) throw bad("IPv6 address '" + std::string(s) + "' needs brackets (nats://[ADDR]:PORT)");
  if (hp.host.empty()) throw bad("missing host in '" + std::string(s) + "'");
  if (!isPlainHost(hp.host)) throw bad("bad host '" + std::string(hp.host) + "'");
  std::uint16_t p = NatsSpec::kDefaultPort;
  if (hp.hasPort) {
    try {
      p = boundedNumber<std::uint16_t>("port", hp.port, 1, 65535);
    } catch (const std::runtime_error&) {
      throw bad("bad port '" + std::string(hp.port) + "' in '" + std::string(s) + "' (expected 1-65535)");
    }
  }
  const std::string host = hp.bracketed ? "[" + std::string(hp.host) + "]" : std::string(hp.host);
  return "nats://" + host + ":" + std::to_string(p);
}

void applyKey(NatsSpec& out, std::string_view key, std::string_view value) {
  if (key == "stream") {
    if (!isNatsName(value))
      throw bad("bad stream name '" + std::string(value) + "' (letters, digits, '-' and '_' only)");
    out.stream = value;
  } else if (key == "prefix") {
    if (!isNatsPrefix(value))
      throw bad("bad subject prefix '" + std::string(value) +
                "' (tokens of letters, digits, '-' and '_' joined by '.')");
    out.prefix = value;
  } else if (key == "replicas") {
    out.replicas = boundedNumber<int>(key, value, 1, 5);
  } else if (key == "spill") {
    if (value.empty()) throw bad("empty spill path");
    out.spill = value;
  } else if (key == "buffer") {
    const auto n = parseByteSize(std::string(value));
    if (!n || *n < (std::uint64_t(1) << 20))
      throw bad("bad buffer size '" + std::string(value) + "' (at least 1M; examples: 16M, 1G)");
    out.bufferBytes = std::size_t(*n);
  } else if (key == "id") {
    if (!isNatsName(value))
      throw bad("bad receiver id '" + std::string(value) + "' (letters, digits, '-' and '_' only)");
    out.id = value;
  } else if (key == "timeout") {
    out.ackTimeoutMs = boundedNumber<std::uint64_t>("timeout (ms)", value, 100, 600'000);
  } else if (key == "drain") {
    out.drainMs = boundedNumber<std::uint64_t>("drain (ms)", value, 0, 3'600'000);
  } else if (key == "dedup") {
    out.dedupMs = boundedNumber<std::uint64_t>("dedup (ms)", value, 1000, 86'400'000);
  } else {
    throw bad("unknown option '" + std::string(key) +
              "' (expected stream, prefix, replicas, spill, buffer, id, timeout, drain or dedup)");
  }
}

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

bool isNatsName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!isNameChar(c)) return false;
  return true;
}

bool isNatsPrefix(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = s.find('.', start);
    const std::string_view token = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (token.empty()) return false;
    for (char c : token)
      if (!isNameChar(c)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string NatsSpec::serverList() const {
  std::string out;
  for (const std::string& s : servers) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

NatsSpec parseNatsSpec(std::string_view spec) {
  if (!spec.starts_with("nats://")) throw bad("expected nats://HOST:PORT[,HOST:PORT...]");
  std::string_view rest = spec.substr(7);
  const std::size_t q = rest.find('?');
  std::string_view hosts = rest.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view{} : rest.substr(q + 1);

  NatsSpec out;
  if (hosts.empty()) throw bad("missing server (expected nats://HOST:PORT[,HOST:PORT...])");
  for (;;) {
    const std::size_t comma = hosts.find(',');
    out.servers.push_back(parseServer(hosts.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    hosts.remove_prefix(comma + 1);
  }
  forEachQueryPair(query, [&](std::string_view key, std::string_view value) { applyKey(out, key, value); });
  return out;
}

}  // namespace ncxdp
