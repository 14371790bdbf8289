// nc_send: a netconsole sender for the system tests. It speaks the wire formats the kernel does
// (docs/netconsole-format.md) from chosen source addresses and ports, and writes the records a
// correct receiver must decode from what it sent, as JSON lines in ncxdp's jsonl schema (without
// recv_ts), so a test can compare a receiver's output exactly.
//
//   nc_send --to ADDR:PORT [--to ADDR:PORT] [--pps N] [--expect FILE] gen
//           --src ADDR [--src ADDR]... --src-ports FIRST-LAST --count N [--format plain|extended|mixed]
//     N numbered messages per source (every address x every port), interleaved across sources
//     message by message. Each source's datagrams go to the --to of its address family.
//     Extended: seq from 100, msgid sysdata from 1, some with release, caller, dictionary,
//     escapes, and every 50th long enough to be sent as ncfrag fragments. Plain: "[time] text"
//     lines, some with <N> and caller prefixes, some two lines in one datagram, every 50th longer
//     than one datagram (split at 1000 bytes with no header, as the kernel does).
//     mixed: odd source ports extended, even ports plain.
//
//   --dry-run sends nothing but still counts the datagrams and writes --expect (a capture
//   started before the real run can then stop after exactly that many packets).
//
//   nc_send --to ADDR:PORT [--pps N] script FILE
//     FILE lines: "SRC_ADDR SRC_PORT HEX_PAYLOAD" ('#' comments and blank lines skipped); each
//     line is one datagram. No --expect: the script's author knows what it means.
//
// Exit status 0 when every datagram was sent; 1 on any error (with one line on stderr).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "decode/Source.h"

namespace {

using ncxdp::Source;

// MAX_PRINT_CHUNK in drivers/net/netconsole.c.
constexpr std::size_t kMaxPayload = 1000;

std::string sockaddrText(const sockaddr_storage& sa) {
  Source s;
  ncxdp::Source::fromSockaddr(reinterpret_cast<const sockaddr*>(&sa), s);
  return s.toString();
}

socklen_t toSockaddr(const Source& s, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (s.isV4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, s.addr.data() + 12, 4);
    sin->sin_port = htons(s.port);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
  sin6->sin6_family = AF_INET6;
  std::memcpy(&sin6->sin6_addr, s.addr.data(), 16);
  sin6->sin6_port = htons(s.port);
  return sizeof(sockaddr_in6);
}

// One UDP socket per source (address, port), bound so the receiver sees that exact sender.
class Sender {
 public:
  Sender(std::vector<Source> targets, double pps, bool dryRun)
      : targets_(std::move(targets)), pps_(pps), dryRun_(dryRun) {
    clock_gettime(CLOCK_MONOTONIC, &next_);
  }
  ~Sender() {
    for (auto& [src, fd] : sockets_) close(fd);
  }

  void send(const Source& src, const std::string& payload) {
    const Source* target = nullptr;
    for (const Source& t : targets_)
      if (t.isV4() == src.isV4()) target = &t;
    if (target == nullptr)
      throw std::runtime_error("no --to of the same address family as source " + src.toString());
    if (dryRun_) {
      ++sent_;
      return;
    }
    sockaddr_storage to;
    const socklen_t toLen = toSockaddr(*target, to);
    pace();
    if (sendto(socketFor(src), payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&to),
               toLen) != ssize_t(payload.size()))
      throw std::runtime_error("send from " + src.toString() + " to " + sockaddrText(to) + ": " +
                               std::strerror(errno));
    ++sent_;
  }
  std::uint64_t sent() const { return sent_; }

 private:
  int socketFor(const Source& src) {
    const std::string key = src.toString();
    if (auto it = sockets_.find(key); it != sockets_.end()) return it->second;
    sockaddr_storage sa;
    const socklen_t len = toSockaddr(src, sa);
    int fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&sa), len) != 0) {
      const int err = errno;
      close(fd);
      throw std::runtime_error("bind " + key + ": " + std::strerror(err));
    }
    sockets_[key] = fd;
    return fd;
  }

  // Absolute-deadline pacing: sleeping does not accumulate drift over thousands of datagrams.
  void pace() {
    if (pps_ <= 0) return;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next_, nullptr);
    const long step = long(1e9 / pps_);
    next_.tv_nsec += step;
    while (next_.tv_nsec >= 1'000'000'000) {
      next_.tv_nsec -= 1'000'000'000;
      ++next_.tv_sec;
    }
  }

  std::vector<Source> targets_;
  double pps_;
  bool dryRun_;
  timespec next_{};
  std::map<std::string, int> sockets_;
  std::uint64_t sent_ = 0;
};

// ---- expected records, in the receiver's jsonl schema ----

void jsonString(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);  // the generator only produces valid UTF-8
    }
  }
  out += '"';
}

struct Expected {
  std::string src;
  bool extended = false;
  std::string release;  // empty: none
  int facility = -1;
  int level = -1;
  long long seq = -1;
  long long tsUsec = -1;
  std::string caller;
  long long msgid = -1;
  std::string text;
  std::vector<std::pair<std::string, std::string>> dict;

  std::string json() const {
    auto num = [](long long v) { return v < 0 ? std::string("null") : std::to_string(v); };
    std::string out = "{\"src\":";
    jsonString(src, out);
    out += extended ? ",\"format\":\"extended\"" : ",\"format\":\"plain\"";
    out += ",\"release\":";
    if (release.empty())
      out += "null";
    else
      jsonString(release, out);
    out += ",\"facility\":" + num(facility) + ",\"level\":" + num(level) + ",\"seq\":" + num(seq) +
           ",\"ts_usec\":" + num(tsUsec) + ",\"cont\":false,\"caller\":";
    if (caller.empty())
      out += "null";
    else
      jsonString(caller, out);
    out += ",\"msgid\":" + num(msgid) + ",\"text\":";
    jsonString(text, out);
    out += ",\"dict\":[";
    for (std::size_t i = 0; i < dict.size(); ++i) {
      if (i != 0) out += ',';
      out += '[';
      jsonString(dict[i].first, out);
      out += ',';
      jsonString(dict[i].second, out);
      out += ']';
    }
    out += "],\"incomplete\":false}\n";
    return out;
  }
};

// ---- wire formats ----

// Extended text escaping: bytes < 0x20, >= 0x7f and '\' as \xNN (lowercase hex).
std::string escapeExtended(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out;
}

// The kernel's extended fragmentation: header (bytes before ';') + ",ncfrag=<off>/<total>;" +
// a slice of the body, each datagram at most kMaxPayload bytes.
std::vector<std::string> extendedDatagrams(const std::string& header, const std::string& body) {
  if (header.size() + 1 + body.size() <= kMaxPayload) return {header + ";" + body};
  std::vector<std::string> out;
  std::size_t off = 0;
  while (off < body.size()) {
    std::string prefix = header + ",ncfrag=" + std::to_string(off) + "/" + std::to_string(body.size()) + ";";
    const std::size_t n = std::min(body.size() - off, kMaxPayload - prefix.size());
    out.push_back(prefix + body.substr(off, n));
    off += n;
  }
  return out;
}

std::vector<std::string> plainDatagrams(const std::string& record) {
  std::vector<std::string> out;
  for (std::size_t off = 0; off < record.size(); off += kMaxPayload)
    out.push_back(record.substr(off, kMaxPayload));
  return out;
}

std::string plainTime(std::uint64_t usec) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "[%5lu.%06lu]", static_cast<unsigned long>(usec / 1'000'000),
                static_cast<unsigned long>(usec % 1'000'000));
  return buf;
}

std::string messageText(const Source& src, unsigned i) {
  std::string text = "ncxdp test message " + std::to_string(i) + " from " + src.toString();
  if (i % 50 == 25) {
    text += " long:";
    for (unsigned k = 0; text.size() < 1500; ++k) text += char('a' + k % 26);
  }
  return text;
}

// Appends the datagrams of message i from src, and the records they must decode to.
void generate(const Source& src, std::size_t sourceIndex, bool extended, unsigned i,
              std::vector<std::string>& datagrams, std::vector<Expected>& expected) {
  const std::uint64_t tsUsec = 1'000'000 + std::uint64_t(i) * 1000 + sourceIndex;
  std::string text = messageText(src, i);
  Expected e;
  e.src = src.toString();
  e.extended = extended;
  e.tsUsec = (long long)tsUsec;
  if (extended) {
    // Escapes (tab, backslash, UTF-8, an embedded newline) on some messages; every byte of the
    // text must come back unescaped.
    if (i % 7 == 1) text += "\ttab back\\slash caf\xc3\xa9 nl\nsecond line";
    e.facility = i % 5 == 0 ? 3 : 0;
    e.level = int(i % 8);
    e.seq = 100 + i;
    e.msgid = i + 1;
    std::string header;
    if (sourceIndex % 3 == 0) {
      e.release = "6.18.0-ncxdp";
      header = e.release + ",";
    }
    header += std::to_string(e.facility * 8 + e.level) + "," + std::to_string(e.seq) + "," +
              std::to_string(tsUsec) + ",-";
    if (i % 3 == 0) {
      e.caller = "T" + std::to_string(1000 + i);
      header += ",caller=" + e.caller;
    }
    std::string body = escapeExtended(text) + "\n";
    if (i % 4 == 2) {
      e.dict = {{"SUBSYSTEM", "net"}, {"DEVICE", "+net:veth0"}};
      body += " SUBSYSTEM=net\n DEVICE=+net:veth0\n";
    }
    e.dict.push_back({"msgid", std::to_string(e.msgid)});
    body += " msgid=" + std::to_string(e.msgid) + "\n";
    e.text = text;
    for (std::string& d : extendedDatagrams(header, body)) datagrams.push_back(std::move(d));
    expected.push_back(e);
    return;
  }
  if (i % 7 == 1) text += "\ttab caf\xc3\xa9";
  std::string prefix;
  if (i % 5 == 0) {
    prefix = "<6>";
    e.facility = 0;
    e.level = 6;
  }
  prefix += plainTime(tsUsec);
  if (i % 3 == 0) {
    e.caller = "T" + std::to_string(1000 + i);
    char buf[16];
    std::snprintf(buf, sizeof buf, "[%6s]", e.caller.c_str());
    prefix += buf;
  }
  std::string record = prefix + " " + text + "\n";
  e.text = text;
  expected.push_back(e);
  if (i % 11 == 3) {
    // A multi-line printk: the prefix repeats on every line, one datagram.
    Expected second = e;
    second.text = "continued line of message " + std::to_string(i);
    record += prefix + " " + second.text + "\n";
    expected.push_back(second);
  }
  for (std::string& d : plainDatagrams(record)) datagrams.push_back(std::move(d));
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Source parseSource(const std::string& addr, unsigned port) {
  Source s;
  const std::string text = addr.find(':') != std::string::npos ? "[" + addr + "]:" + std::to_string(port)
                                                               : addr + ":" + std::to_string(port);
  if (!Source::parse(text, s)) throw std::runtime_error("bad address '" + addr + "'");
  return s;
}

int runScript(Sender& sender, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string line;
  for (int lineNo = 1; std::getline(in, line); ++lineNo) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string addr, hex;
    unsigned port = 0;
    if (!(fields >> addr >> port >> hex) || port == 0 || port > 65535 || hex.size() % 2 != 0)
      throw std::runtime_error(path + ":" + std::to_string(lineNo) +
                               ": want 'SRC_ADDR SRC_PORT HEX_PAYLOAD'");
    std::string payload;
    for (std::size_t k = 0; k < hex.size(); k += 2) {
      const int hi = hexValue(hex[k]);
      const int lo = hexValue(hex[k + 1]);
      if (hi < 0 || lo < 0)
        throw std::runtime_error(path + ":" + std::to_string(lineNo) + ": bad hex payload");
      payload += char(hi * 16 + lo);
    }
    sender.send(parseSource(addr, port), payload);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"netconsole test sender"};
  std::vector<std::string> toText;
  double pps = 0;
  std::string expectPath;
  bool dryRun = false;
  app.add_option("--to", toText, "Receiver ADDR:PORT ([v6]:PORT); one per address family")->required();
  app.add_option("--pps", pps, "Datagrams per second (0: as fast as possible)")->check(CLI::Range(0.0, 1e7));
  app.add_option("--expect", expectPath, "Write the records a receiver must decode (jsonl, no recv_ts)");
  app.add_flag("--dry-run", dryRun, "Send nothing; still count the datagrams and write --expect");
  app.require_subcommand(1, 1);

  auto* gen = app.add_subcommand("gen", "Generate numbered messages");
  std::vector<std::string> srcAddrs;
  std::string portRange;
  unsigned count = 0;
  std::string format = "mixed";
  gen->add_option("--src", srcAddrs, "Source address, repeatable")->required();
  gen->add_option("--src-ports", portRange, "Source port range FIRST-LAST")->required();
  gen->add_option("--count", count, "Messages per source")->required()->check(CLI::Range(1u, 1'000'000u));
  gen->add_option("--format", format, "plain, extended or mixed")
      ->check(CLI::IsMember({"plain", "extended", "mixed"}));

  auto* script = app.add_subcommand("script", "Send datagrams listed in a file");
  std::string scriptPath;
  script->add_option("file", scriptPath, "Script file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    std::vector<Source> targets;
    for (const std::string& t : toText) {
      Source s;
      if (!Source::parse(t, s)) throw std::runtime_error("bad --to '" + t + "'");
      targets.push_back(s);
    }
    Sender sender(targets, pps, dryRun);
    if (script->parsed()) {
      runScript(sender, scriptPath);
    } else {
      unsigned first = 0, last = 0;
      if (std::sscanf(portRange.c_str(), "%u-%u", &first, &last) != 2 || first == 0 || last > 65535 ||
          last < first)
        throw std::runtime_error("bad --src-ports '" + portRange + "' (want FIRST-LAST)");
      std::vector<Source> sources;
      for (const std::string& a : srcAddrs)
        for (unsigned p = first; p <= last; ++p) sources.push_back(parseSource(a, p));
      std::string expected;
      std::vector<std::string> datagrams;
      std::vector<Expected> records;
      for (unsigned i = 0; i < count; ++i) {
        for (std::size_t s = 0; s < sources.size(); ++s) {
          const bool extended = format == "extended" || (format == "mixed" && sources[s].port % 2 == 1);
          datagrams.clear();
          records.clear();
          generate(sources[s], s, extended, i, datagrams, records);
          for (const std::string& d : datagrams) sender.send(sources[s], d);
          for (const Expected& r : records) expected += r.json();
        }
      }
      if (!expectPath.empty()) {
        std::ofstream out(expectPath, std::ios::trunc);
        out << expected;
        if (!out.flush()) throw std::runtime_error("cannot write " + expectPath);
      }
    }
    std::fprintf(stderr, "nc_send: %llu datagrams %s\n", static_cast<unsigned long long>(sender.sent()),
                 dryRun ? "to send (dry run)" : "sent");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nc_send: %s\n", e.what());
    return 1;
  }
}
