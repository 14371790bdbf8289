#include "syslog/SyslogSpec.h"

#include <stdexcept>

#include "util/ByteSize.h"
#include "util/SpecSyntax.h"

namespace ncxdp {

namespace {

std::runtime_error bad(const std::string& what) {
  return std::runtime_error(what);
}

void applyKey(SyslogSpec& out, std::string_view key, std::string_view value) {
  if (key == "proto") {
    if (value == "udp")
      out.proto = SyslogProto::Udp;
    else if (value == "tcp")
      out.proto = SyslogProto::Tcp;
    else if (value == "tls")
      out.proto = SyslogProto::Tls;
    else
      throw bad("bad proto '" + std::string(value) + "' (expected udp, tcp or tls)");
  } else if (key == "buffer") {
    const auto n = parseByteSize(value);
    if (!n || *n < (std::uint64_t(64) << 10) || *n > (std::uint64_t(16) << 30))
      throw bad("bad buffer size '" + std::string(value) + "' (64K to 16G; examples: 8M, 1G)");
    out.bufferBytes = std::size_t(*n);
  } else if (key == "drain") {
    out.drainMs = boundedNumber<std::uint64_t>("drain (ms)", value, 0, 3'600'000);
  } else if (key == "ca" || key == "cert" || key == "key") {
    if (value.empty()) throw bad("empty " + std::string(key) + " path");
    (key == "ca" ? out.caFile : key == "cert" ? out.certFile : out.keyFile) = value;
  } else if (key == "name") {
    if (value.empty()) throw bad("empty server name");
    out.serverName = value;
  } else if (key == "pen") {
    out.pen = boundedNumber<std::uint32_t>("pen (enterprise number)", value, 1, 4'294'967'295u);
  } else {
    throw bad("unknown option '" + std::string(key) +
              "' (expected proto, buffer, drain, ca, cert, key, name or pen)");
  }
}

}  // namespace

std::string_view protoName(SyslogProto proto) {
  switch (proto) {
    case SyslogProto::Udp:
      return "udp";
    case SyslogProto::Tcp:
      return "tcp";
    case SyslogProto::Tls:
      return "tls";
  }
  return "?";
}

std::string SyslogSpec::describe() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(protoName(proto)) + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

SyslogSpec parseSyslogSpec(std::string_view spec) {
  if (!spec.starts_with("syslog://")) throw bad("expected syslog://HOST[:PORT][?proto=udp|tcp|tls]");
  std::string_view rest = spec.substr(9);
  const std::size_t q = rest.find('?');
  std::string_view server = rest.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view{} : rest.substr(q + 1);

  SyslogSpec out;
  const HostPort hp = splitHostPort(server);
  if (hp.bareIpv6())
    throw bad("IPv6 address '" + std::string(server) + "' needs brackets (syslog://[ADDR]:PORT)");
  if (hp.host.empty()) throw bad("missing host (expected syslog://HOST[:PORT])");
  if (!isPlainHost(hp.host)) throw bad("bad host '" + std::string(hp.host) + "'");
  out.host = hp.host;
  forEachQueryPair(query, [&](std::string_view key, std::string_view value) { applyKey(out, key, value); });

  out.port = out.proto == SyslogProto::Tls ? 6514 : 514;
  if (hp.hasPort) out.port = boundedNumber<std::uint16_t>("port", hp.port, 1, 65535);
  if (out.certFile.empty() != out.keyFile.empty())
    throw bad("cert= and key= go together (a client certificate and its key)");
  if (out.proto != SyslogProto::Tls &&
      (!out.caFile.empty() || !out.certFile.empty() || !out.serverName.empty()))
    throw bad("ca=, cert=, key= and name= are for proto=tls");
  return out;
}

}  // namespace ncxdp
