// Feeding the committed kernel fixtures (tests/triage/fixtures) into the triage classes: as the
// decoder would hand them over from a sender, under any source address and arrival time, so one
// real report becomes the same bug on many hosts.
#pragma once

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "decode/Decoder.h"
#include "decode/JsonRecordParser.h"
#include "decode/Record.h"
#include "test_files.h"
#include "triage/Event.h"

namespace ncxdp::testing {

inline std::string fixturePath(const std::string& name) {
  return std::string(NCXDP_SOURCE_DIR) + "/tests/triage/fixtures/" + name;
}

inline std::vector<std::string> fixtureLines(const std::string& name) {
  std::vector<std::string> lines;
  std::istringstream in(readFile(fixturePath(name)));
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  EXPECT_FALSE(lines.empty()) << "fixture " << name << " missing or empty";
  return lines;
}

inline Source testSource(std::uint32_t n, std::uint16_t port = 6665) {
  // 10.x.y.z from n, so thousands of hosts get distinct addresses.
  return Source::ipv4(htonl(0x0a000000u | (n & 0xffffff)), port);
}

// A serial console log ("[    1.234567] text" lines) sent as plain netconsole datagrams, one line
// each, from `src`; each arrives at baseUs + its kernel time.
inline void feedSerial(const std::string& name, const Source& src, std::uint64_t baseUs, RecordHandler& out) {
  Decoder decoder;
  std::uint64_t now = baseUs;
  for (std::string line : fixtureLines(name)) {
    // The firmware's screen control codes share the serial line with the kernel's first line;
    // netconsole never carries them.
    if (const std::size_t first = line.find("[    0.000000] "); first != std::string::npos && first != 0)
      line.erase(0, first);
    if (line.size() > 14 && line[0] == '[' && line[13] == ']') {
      const double secs = std::stod(line.substr(1, 12));
      now = std::max(now, baseUs + static_cast<std::uint64_t>(secs * 1e6));
    }
    const std::string datagram = line + "\n";
    decoder.feed(src, {reinterpret_cast<const std::uint8_t*>(datagram.data()), datagram.size()}, now, out);
  }
  decoder.flush(now, out);
}

// A netconsole JSON lines fixture, re-addressed to `src` (when given) and shifted in time so its
// first record arrives at baseUs (when given).
inline void feedJsonl(const std::string& name, RecordHandler& out, std::optional<Source> src = std::nullopt,
                      std::optional<std::uint64_t> baseUs = std::nullopt) {
  JsonRecordParser reader;
  Record record;
  std::string why;
  std::optional<std::uint64_t> first;
  for (const std::string& line : fixtureLines(name)) {
    ASSERT_TRUE(reader.parse(line, record, why)) << name << ": " << why;
    if (!first) first = record.recvTsUs;
    if (src) record.src = *src;
    if (baseUs) record.recvTsUs = *baseUs + (record.recvTsUs - *first);
    out.onRecord(record);
  }
}

struct EventCollector : EventHandler {
  std::vector<Event> events;
  void onEvent(const Event& e) override { events.push_back(e); }
  std::vector<const Event*> ofKind(EventKind kind) const {
    std::vector<const Event*> out;
    for (const Event& e : events)
      if (e.kind == kind) out.push_back(&e);
    return out;
  }
};

inline std::vector<std::string> framesOf(const Event& e) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < e.frameCount(); ++i) out.emplace_back(e.frame(i));
  return out;
}

}  // namespace ncxdp::testing
