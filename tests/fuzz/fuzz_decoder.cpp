// libFuzzer target for the decoder. The input is a script of datagrams so the fuzzer reaches
// reassembly, timeouts, caps and source eviction, not just single-datagram parsing:
//   repeat { u8 source, u8 time step (x 50 ms), u16 length (LE), length bytes of payload }
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "decode/Decoder.h"

namespace {

class CheckingHandler : public ncxdp::RecordHandler {
 public:
  void onRecord(const ncxdp::Record& r) override {
    // Touch every byte of every view so ASan catches a view into freed or foreign memory.
    std::size_t sum = 0;
    for (char c : r.text) sum += std::uint8_t(c);
    for (const auto& kv : r.dict) {
      for (char c : kv.key) sum += std::uint8_t(c);
      for (char c : kv.value) sum += std::uint8_t(c);
    }
    if (r.release)
      for (char c : *r.release) sum += std::uint8_t(c);
    for (char c : r.caller) sum += std::uint8_t(c);
    sink_ += sum;
    if (r.kind == ncxdp::RecordKind::Gap && r.gapFrom > r.gapTo && r.gapField == ncxdp::GapField::Seq)
      abort();
    if (!r.incomplete && !r.missing.empty()) abort();
    std::uint32_t prevEnd = 0;
    for (const auto& m : r.missing) {
      if (m.begin >= m.end || m.begin < prevEnd) abort();
      prevEnd = m.end;
    }
    if (r.level < -1 || r.level > 7) abort();
  }
  std::size_t sink_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ncxdp::DecoderConfig config;
  // Small caps so the fuzzer hits every limit quickly.
  config.maxSources = 4;
  config.maxLineBytes = 300;
  config.maxMessageBytes = 4096;
  config.reasmPerSourceBytes = 6000;
  config.memoryBytes = 12000;
  config.lineIdleUs = 100'000;
  config.fragTimeoutUs = 200'000;
  ncxdp::Decoder decoder(config);
  CheckingHandler handler;
  std::uint64_t now = 1'700'000'000'000'000ull;
  std::size_t at = 0;
  while (at + 4 <= size) {
    std::uint8_t src = data[at];
    now += std::uint64_t(data[at + 1]) * 50'000;
    std::size_t len = std::size_t(data[at + 2]) | (std::size_t(data[at + 3]) << 8);
    at += 4;
    if (len > size - at) len = size - at;
    ncxdp::Source source = ncxdp::Source::ipv4(0x0a000000u | (src & 7u), std::uint16_t(6665 + (src >> 3)));
    decoder.feed(source, std::span(data + at, len), now, handler);
    // The memory budget holds after every datagram: over it, the decoder emits the oldest state.
    if (decoder.pendingBytes() > config.memoryBytes) abort();
    at += len;
    decoder.tick(now, handler);
  }
  decoder.flush(now, handler);
  if (decoder.reasmBytes() != 0) abort();  // flush must release every reassembly byte
  if (decoder.pendingBytes() != 0) abort();
  if (decoder.sourceCount() > config.maxSources) abort();
  return 0;
}
