// Owned copies of decoder output, so tests can inspect records after the views expired.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "decode/Decoder.h"

namespace ncxdp::testing {

struct OwnedRecord {
  RecordKind kind = RecordKind::Message;
  Source src;
  std::uint64_t recvTsUs = 0;
  Format format = Format::Plain;
  std::optional<std::string> release;
  int facility = -1;
  int level = -1;
  std::optional<std::uint64_t> seq;
  std::optional<std::uint64_t> tsUsec;
  bool cont = false;
  std::string caller;
  std::string text;
  std::vector<std::pair<std::string, std::string>> dict;
  std::optional<std::uint64_t> msgid;
  bool incomplete = false;
  std::vector<ByteRange> missing;
  GapField gapField = GapField::Seq;
  std::uint64_t gapFrom = 0;
  std::uint64_t gapTo = 0;
  std::uint64_t dump = 0;
};

class Collector : public RecordHandler {
 public:
  void onRecord(const Record& r) override {
    OwnedRecord o;
    o.kind = r.kind;
    o.src = r.src;
    o.recvTsUs = r.recvTsUs;
    o.format = r.format;
    if (r.release) o.release = std::string(*r.release);
    o.facility = r.facility;
    o.level = r.level;
    o.seq = r.seq;
    o.tsUsec = r.tsUsec;
    o.cont = r.cont;
    o.caller = std::string(r.caller);
    o.text = std::string(r.text);
    for (const auto& kv : r.dict) o.dict.emplace_back(std::string(kv.key), std::string(kv.value));
    o.msgid = r.msgid;
    o.incomplete = r.incomplete;
    o.missing.assign(r.missing.begin(), r.missing.end());
    o.gapField = r.gapField;
    o.gapFrom = r.gapFrom;
    o.gapTo = r.gapTo;
    o.dump = r.dump;
    records.push_back(std::move(o));
  }
  std::vector<OwnedRecord> messages() const {
    std::vector<OwnedRecord> out;
    for (const auto& r : records)
      if (r.kind == RecordKind::Message) out.push_back(r);
    return out;
  }
  std::vector<OwnedRecord> gaps() const {
    std::vector<OwnedRecord> out;
    for (const auto& r : records)
      if (r.kind == RecordKind::Gap) out.push_back(r);
    return out;
  }
  std::vector<OwnedRecord> records;
};

inline std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace ncxdp::testing
