// Microbenchmarks of the per-datagram work: decoding each netconsole format, the ring, and the JSON
// writer. Each family has a baseline in the same run (a bare newline split of the same bytes, a
// memcpy through a buffer) so results read as ratios, which survive this noisy machine.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <vector>

#include "decode/Decoder.h"
#include "ring/RecordCodec.h"
#include "ring/RingWriter.h"
#include "ring/SpscRing.h"
#include "sink/JsonWriter.h"

namespace ncxdp {
namespace {

class CountingHandler : public RecordHandler {
 public:
  void onRecord(const Record& r) override { bytes_ += r.text.size(); }
  std::size_t bytes_ = 0;
};

std::span<const std::uint8_t> asBytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// A realistic mix: one datagram per printk record, 64 sources, each with its own seq.
std::vector<std::string> makeDatagrams(int kind, std::size_t textLen) {
  std::vector<std::string> out;
  std::string text(textLen, 'x');
  for (int i = 0; i < 4096; ++i) {
    std::string seq = std::to_string(1000 + i / 64);
    switch (kind) {
      case 0:
        out.push_back("[ 1234.567890] " + text + "\n");
        break;
      case 1:
        out.push_back("6," + seq + ",1234567890,-;" + text + "\n");
        break;
      case 2:
        out.push_back("6.12.117+deb12-amd64,6," + seq + ",1234567890,-,caller=T123;" + text +
                      "\\x09tab\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:19.0\n cpu=1\n msgid=" + seq + "\n");
        break;
    }
  }
  return out;
}

void runDecoder(benchmark::State& state, int kind) {
  auto dgrams = makeDatagrams(kind, std::size_t(state.range(0)));
  Decoder decoder;
  CountingHandler handler;
  std::uint64_t now = 1'700'000'000'000'000ull;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& d = dgrams[i % dgrams.size()];
    decoder.feed(Source::ipv4(htonl(0x0a000000u | std::uint32_t(i % 64)), 6665), asBytes(d), now, handler);
    bytes += d.size();
    ++i;
  }
  state.SetItemsProcessed(std::int64_t(i));
  state.SetBytesProcessed(std::int64_t(bytes));
  benchmark::DoNotOptimize(handler.bytes_);
}

void BM_DecodePlain(benchmark::State& s) {
  runDecoder(s, 0);
}
void BM_DecodeExtended(benchmark::State& s) {
  runDecoder(s, 1);
}
void BM_DecodeExtendedDictRelease(benchmark::State& s) {
  runDecoder(s, 2);
}

// Baseline: the least any receiver does with a datagram: find its newlines and copy its bytes.
void BM_BaselineSplitCopy(benchmark::State& state) {
  auto dgrams = makeDatagrams(1, std::size_t(state.range(0)));
  std::vector<char> buf(4096);
  std::size_t i = 0, bytes = 0, lines = 0;
  for (auto _ : state) {
    const std::string& d = dgrams[i % dgrams.size()];
    std::memcpy(buf.data(), d.data(), d.size());
    for (const char* p = buf.data();
         (p = static_cast<const char*>(std::memchr(p, '\n', d.size() - std::size_t(p - buf.data())))) !=
         nullptr;
         ++p)
      ++lines;
    bytes += d.size();
    ++i;
    benchmark::DoNotOptimize(lines);
  }
  state.SetItemsProcessed(std::int64_t(i));
  state.SetBytesProcessed(std::int64_t(bytes));
}

void BM_DecodeFragmented(benchmark::State& state) {
  // 6.1-style: a 1500-byte message in two fragments.
  std::vector<std::string> frags;
  for (int m = 0; m < 1024; ++m) {
    std::string body = std::string(1500, 'A') + "\n";
    std::string h = "6," + std::to_string(m) + ",1000000,-,ncfrag=";
    frags.push_back(h + "0/1501;" + body.substr(0, 972));
    frags.push_back(h + "972/1501;" + body.substr(972));
  }
  Decoder decoder;
  CountingHandler handler;
  std::size_t i = 0;
  for (auto _ : state) {
    decoder.feed(Source::ipv4(htonl(0x0a000001u), 6665), asBytes(frags[i % frags.size()]), 1, handler);
    ++i;
  }
  state.SetItemsProcessed(std::int64_t(i));
}

void BM_RingEncodePushPop(benchmark::State& state) {
  SpscRing ring(1 << 20);
  RingWriter writer(ring);
  std::string text(std::size_t(state.range(0)), 't');
  KeyValue kv[] = {{"SUBSYSTEM", "pci"}, {"msgid", "12"}};
  Record r;
  r.format = Format::Extended;
  r.seq = 12;
  r.text = text;
  r.dict = kv;
  std::vector<KeyValue> dictScratch;
  std::vector<ByteRange> missingScratch;
  Record out;
  for (auto _ : state) {
    writer.onRecord(r);
    auto bytes = ring.front();
    decodeRecord(bytes, out, dictScratch, missingScratch);
    benchmark::DoNotOptimize(out.text.data());
    ring.pop();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_JsonWriter(benchmark::State& state) {
  std::string text(std::size_t(state.range(0)), 'j');
  KeyValue kv[] = {{"SUBSYSTEM", "pci"}, {"msgid", "12"}};
  Record r;
  r.format = Format::Extended;
  r.seq = 12;
  r.level = 6;
  r.facility = 0;
  r.text = text;
  r.dict = kv;
  r.recvTsUs = 1'700'000'000'000'000ull;
  JsonWriter writer;
  std::string out;
  for (auto _ : state) {
    out.clear();
    writer.append(r, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_BaselineSplitCopy)->Arg(80)->Arg(900);
BENCHMARK(BM_DecodePlain)->Arg(80)->Arg(900);
BENCHMARK(BM_DecodeExtended)->Arg(80)->Arg(900);
BENCHMARK(BM_DecodeExtendedDictRelease)->Arg(80)->Arg(700);
BENCHMARK(BM_DecodeFragmented);
BENCHMARK(BM_RingEncodePushPop)->Arg(80)->Arg(900);
BENCHMARK(BM_JsonWriter)->Arg(80)->Arg(900);

}  // namespace
}  // namespace ncxdp

BENCHMARK_MAIN();
