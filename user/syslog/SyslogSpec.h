// Where and how ncxdp forwards records to a syslog server: the `--out syslog://` spec.
//
//   syslog://HOST[:PORT][?KEY=VALUE[&KEY=VALUE...]]
//
// HOST is a name, an IPv4 address or a bracketed IPv6 address. Keys (all optional):
//   proto=udp|tcp|tls  transport (udp): RFC 5426 datagrams, RFC 6587 octet-counted TCP, RFC 5425 TLS
//   buffer=BYTES       tcp/tls: messages waiting for the connection, at most (8M)
//   drain=MS           tcp/tls: at exit, how long buffered messages may still wait (5000)
//   ca=PATH            tls: CA certificates (PEM) that sign the server's; default the system's
//   cert=PATH,key=PATH tls: a client certificate and its key, for servers that ask for one
//   name=NAME          tls: the name the server's certificate must carry; default HOST
//   pen=N              the enterprise number of the structured data's SD-IDs (32473)
// PORT defaults to 514 for udp and tcp, 6514 for tls (RFC 5425).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ncxdp {

enum class SyslogProto : std::uint8_t { Udp, Tcp, Tls };

struct SyslogSpec {
  // RFC 5612's enterprise number for documentation and examples: ncxdp has none of its own, and
  // a site that registered one can put its own in pen=.
  static constexpr std::uint32_t kDefaultPen = 32473;

  std::string host;  // without brackets
  std::uint16_t port = 514;
  SyslogProto proto = SyslogProto::Udp;
  std::size_t bufferBytes = std::size_t(8) << 20;
  std::uint64_t drainMs = 5000;
  std::string caFile;    // empty: the system trust store
  std::string certFile;  // client certificate (with keyFile)
  std::string keyFile;
  std::string serverName;  // empty: host
  std::uint32_t pen = kDefaultPen;

  // "tcp://host:514", for messages.
  std::string describe() const;
};

std::string_view protoName(SyslogProto proto);

// Parses a spec. Throws std::runtime_error naming what is wrong and the fix.
SyslogSpec parseSyslogSpec(std::string_view spec);

}  // namespace ncxdp
