#include "nats/NatsSpec.h"

#include <charconv>
#include <stdexcept>

#include "util/ByteSize.h"

namespace ncxdp {

namespace {

std::runtime_error bad(const std::string& what) {
  return std::runtime_error(what);
}

template <typename T>
T number(std::string_view key, std::string_view value, T min, T max) {
  T n{};
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min || n > max)
    throw bad("bad " + std::string(key) + " '" + std::string(value) + "' (expected " + std::to_string(min) +
              "-" + std::to_string(max) + ")");
  return n;
}

// "HOST[:PORT]" or "[V6][:PORT]", optionally with a nats:// scheme of its own.
std::string parseServer(std::string_view s) {
  if (s.starts_with("nats://")) s.remove_prefix(7);
  if (s.empty()) throw bad("empty server address (expected HOST:PORT)");
  std::string_view host;
  std::string_view port;
  if (s.front() == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) throw bad("unterminated '[' in '" + std::string(s) + "'");
    host = s.substr(0, close + 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw bad("expected ':PORT' after ']' in '" + std::string(s) + "'");
      port = rest.substr(1);
    }
  } else {
    const std::size_t colon = s.find(':');
    host = s.substr(0, colon);
    if (colon != std::string_view::npos) port = s.substr(colon + 1);
  }
  if (host.empty() || host == "[]") throw bad("missing host in '" + std::string(s) + "'");
  for (char c : host)
    if (c == '/' || c == '@' || c == ' ' || c == '?' || c == '&')
      throw bad("bad host '" + std::string(host) + "'");
  std::uint16_t p = NatsSpec::kDefaultPort;
  if (!port.empty() || s.back() == ':') {
    try {
      p = number<std::uint16_t>("port", port, 1, 65535);
    } catch (const std::runtime_error&) {
      throw bad("bad port '" + std::string(port) + "' in '" + std::string(s) + "' (expected 1-65535)");
    }
  }
  return "nats://" + std::string(host) + ":" + std::to_string(p);
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
    out.replicas = number<int>(key, value, 1, 5);
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
    out.ackTimeoutMs = number<std::uint64_t>("timeout (ms)", value, 100, 600'000);
  } else if (key == "drain") {
    out.drainMs = number<std::uint64_t>("drain (ms)", value, 0, 3'600'000);
  } else if (key == "dedup") {
    out.dedupMs = number<std::uint64_t>("dedup (ms)", value, 1000, 86'400'000);
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
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw bad("expected KEY=VALUE after '?', got '" + std::string(pair) + "'");
    applyKey(out, pair.substr(0, eq), pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace ncxdp
