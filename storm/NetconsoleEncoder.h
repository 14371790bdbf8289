// Writes one printk message the way drivers/net/netconsole.c puts it on the wire for a host's
// kind of target (docs/netconsole-format.md): extended with `\xNN` escaping, release prefix,
// userdata and sysdata, cut into ncfrag fragments past 1000 bytes; or plain "[time] text" lines
// cut into headerless 1000-byte pieces. It also says which record a correct receiver must decode,
// as the digest the checker compares.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storm/Fleet.h"

namespace ncxdp::storm {

using UserData = std::pair<std::string_view, std::string_view>;

struct Message {
  int level = 6;  // kernel facility 0, so prio == level
  std::string_view text;
  std::span<const UserData> dict;           // kernel dictionary (dev_printk's SUBSYSTEM=, DEVICE=), escaped
  std::span<const UserData> userdata;       // configfs userdata, raw (only Extended618 hosts send it)
  std::string_view taskname = "swapper/0";  // sysdata taskname; empty: not sent
};

// The record one message becomes at the receiver.
struct ExpectedRecord {
  std::optional<std::uint64_t> seq;
  std::optional<std::uint64_t> msgid;
  std::uint64_t digest = 0;
};

class DatagramOut {
 public:
  virtual ~DatagramOut() = default;
  // One UDP payload, valid during the call.
  virtual void datagram(std::span<const std::uint8_t> payload) = 0;
};

class NetconsoleEncoder {
 public:
  // MAX_PRINT_CHUNK in drivers/net/netconsole.c.
  static constexpr std::size_t kMaxPayload = 1000;
  static constexpr std::string_view kRelease = "6.18.0-1-amd64";

  // Sends `message` from `host` (its datagrams go to out, fragments in order unless
  // reverseFragments), advances the host's seq, msgid and clock, and returns the record.
  ExpectedRecord encode(Host& host, const Message& message, DatagramOut& out, bool reverseFragments = false);

 private:
  ExpectedRecord encodeExtended(Host& host, const Message& message, DatagramOut& out, bool reverseFragments);
  ExpectedRecord encodePlain(Host& host, const Message& message, DatagramOut& out);
  void emit(DatagramOut& out, std::string_view bytes);

  // Reused for every message: steady state allocates nothing.
  std::string header_;
  std::string body_;
  std::string datagram_;
  std::string number_;
  std::vector<std::pair<std::size_t, std::size_t>> pieces_;  // (offset, length) per fragment
};

}  // namespace ncxdp::storm
