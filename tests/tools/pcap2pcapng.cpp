// pcap2pcapng IN OUT: rewrites a capture file (anything libpcap reads) as pcapng, so the system
// tests replay a real pcapng file although tcpdump only writes pcap. Timestamps are written at
// nanosecond resolution (if_tsresol = 9), which also exercises libpcap's resolution option.
#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

class PcapngWriter {
 public:
  explicit PcapngWriter(std::string& out) : out_(out) {}

  void sectionHeader() {
    u32(0x0a0d0d0a);
    u32(28);
    u32(0x1a2b3c4d);  // byte-order magic: this file is in host order
    u16(1);
    u16(0);
    u32(0xffffffff);  // section length: not given
    u32(0xffffffff);
    u32(28);
  }

  void interface(std::uint16_t linkType, std::uint32_t snaplen) {
    // Options: if_tsresol (9) = 9, i.e. 10^-9 s, padded to 4 bytes; then opt_endofopt.
    const std::uint32_t len = 20 + 8 + 4;
    u32(1);
    u32(len);
    u16(linkType);
    u16(0);
    u32(snaplen);
    u16(9);
    u16(1);
    out_.push_back(char(9));
    out_.append(3, '\0');
    u32(0);
    u32(len);
  }

  void packet(std::uint64_t tsNs, const std::uint8_t* data, std::uint32_t caplen, std::uint32_t len) {
    const std::uint32_t padded = (caplen + 3) & ~3u;
    const std::uint32_t blockLen = 32 + padded;
    u32(6);
    u32(blockLen);
    u32(0);
    u32(std::uint32_t(tsNs >> 32));
    u32(std::uint32_t(tsNs));
    u32(caplen);
    u32(len);
    out_.append(reinterpret_cast<const char*>(data), caplen);
    out_.append(padded - caplen, '\0');
    u32(blockLen);
  }

 private:
  void u32(std::uint32_t v) { out_.append(reinterpret_cast<const char*>(&v), 4); }
  void u16(std::uint16_t v) { out_.append(reinterpret_cast<const char*>(&v), 2); }
  std::string& out_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pcap2pcapng IN OUT\n");
    return 2;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* in = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (in == nullptr) {
    std::fprintf(stderr, "pcap2pcapng: %s\n", errbuf);
    return 1;
  }
  std::string out;
  PcapngWriter writer(out);
  writer.sectionHeader();
  writer.interface(std::uint16_t(pcap_datalink(in)), std::uint32_t(pcap_snapshot(in)));
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  int rc;
  std::uint64_t packets = 0;
  while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
    // With nanosecond precision requested, tv_usec holds nanoseconds.
    writer.packet(std::uint64_t(h->ts.tv_sec) * 1'000'000'000 + std::uint64_t(h->ts.tv_usec), data, h->caplen,
                  h->len);
    ++packets;
  }
  if (rc != PCAP_ERROR_BREAK) {
    std::fprintf(stderr, "pcap2pcapng: reading %s: %s\n", argv[1], pcap_geterr(in));
    pcap_close(in);
    return 1;
  }
  pcap_close(in);
  std::ofstream file(argv[2], std::ios::binary | std::ios::trunc);
  file << out;
  if (!file.flush()) {
    std::fprintf(stderr, "pcap2pcapng: cannot write %s\n", argv[2]);
    return 1;
  }
  std::fprintf(stderr, "pcap2pcapng: %llu packets\n", static_cast<unsigned long long>(packets));
  return 0;
}
