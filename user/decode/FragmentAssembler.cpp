#include "decode/FragmentAssembler.h"

#include <algorithm>

#include "decode/Decoder.h"
#include "decode/ExtendedHeader.h"
#include "util/Fnv1a.h"

namespace ncxdp {

namespace {

std::uint64_t hashKey(std::string_view head, std::string_view tail) {
  return Fnv1a().add(head).add(tail).value() | 1;  // never 0, which marks an empty slot
}

bool keyEquals(const std::string& key, std::string_view head, std::string_view tail) {
  return key.size() == head.size() + tail.size() && key.compare(0, head.size(), head) == 0 &&
         key.compare(head.size(), tail.size(), tail) == 0;
}

// Inserts [b, e) into sorted, merged ranges; returns how many of its bytes were new.
std::uint32_t addRange(std::vector<ByteRange>& have, std::uint32_t b, std::uint32_t e) {
  std::uint32_t fresh = e - b;
  auto it = std::lower_bound(have.begin(), have.end(), b,
                             [](const ByteRange& r, std::uint32_t v) { return r.end < v; });
  ByteRange merged{b, e};
  auto first = it;
  while (it != have.end() && it->begin <= e) {
    std::uint32_t ob = std::max(b, it->begin), oe = std::min(e, it->end);
    if (oe > ob) fresh -= oe - ob;
    merged.begin = std::min(merged.begin, it->begin);
    merged.end = std::max(merged.end, it->end);
    ++it;
  }
  it = have.erase(first, it);
  have.insert(it, merged);
  return fresh;
}

}  // namespace

FragmentAssembler::FragmentAssembler(const DecoderConfig& config, FragmentCounters& counters)
    : config_(config), counters_(counters) {}

FragmentAssembler::~FragmentAssembler() = default;

FragmentAssembler::Message* FragmentAssembler::find(std::string_view head, std::string_view tail) {
  for (auto& m : pending_)
    if (keyEquals(m.key, head, tail)) return &m;
  return nullptr;
}

bool FragmentAssembler::recentlyCompleted(std::uint64_t keyHash) const {
  return std::find(std::begin(recent_), std::end(recent_), keyHash) != std::end(recent_);
}

void FragmentAssembler::add(const ExtendedHeader& h, std::string_view bytes, std::uint64_t nowUs,
                            AssembledHandler& out) {
  const std::uint32_t total = h.fragTotal;
  const std::uint32_t begin = h.fragOffset;
  // A fragment reaching past the announced total is trimmed: the bytes beyond cannot belong.
  const std::uint32_t end =
      std::uint32_t(std::min<std::uint64_t>(std::uint64_t(begin) + bytes.size(), total));
  bytes = bytes.substr(0, end - begin);

  std::uint64_t keyHash = hashKey(h.keyHead, h.keyTail);
  Message* m = find(h.keyHead, h.keyTail);
  if (m == nullptr && recentlyCompleted(keyHash)) {
    ++counters_.duplicate;
    return;
  }
  if (m != nullptr && m->total != total) {
    // Same header, different length: not the same message after all (a reused seq after reboot).
    emitAndErase(std::size_t(m - &pending_[0]), out);
    m = nullptr;
  }
  if (m == nullptr) {
    if (total > config_.maxMessageBytes || total > config_.reasmPerSourceBytes) {
      ++counters_.overCap;
      emitLoneFragment(h, bytes, nowUs, out);
      return;
    }
    // Make room: oldest messages of this source go first, flagged incomplete.
    while (!pending_.empty() && bytes_ + total > config_.reasmPerSourceBytes) {
      ++counters_.overCap;
      emitAndErase(0, out);
    }
    // The memory budget shared by all sources is the Decoder's to keep: it evicts the oldest
    // pending state once this datagram is decoded.
    Message& fresh = pending_.emplace_back();
    fresh.key.reserve(h.keyHead.size() + h.keyTail.size());
    fresh.key.append(h.keyHead).append(h.keyTail);
    fresh.data.resize(total);
    fresh.total = total;
    fresh.firstUs = nowUs;
    bytes_ += total;
    memory_ += costOf(fresh);
    m = &fresh;
  }
  m->lastUs = nowUs;
  if (bytes.empty()) return;
  std::uint32_t fresh = addRange(m->have, begin, end);
  if (fresh == 0) {
    ++counters_.duplicate;
    return;
  }
  // Overlapping resends carry the same bytes; copying them again is harmless.
  std::copy(bytes.begin(), bytes.end(), m->data.begin() + begin);
  m->received += fresh;
  if (m->received == m->total) {
    ++counters_.reassembled;
    recent_[recentNext_] = keyHash;
    recentNext_ = (recentNext_ + 1) % kRecent;
    emitAndErase(std::size_t(m - &pending_[0]), out);
  }
}

void FragmentAssembler::expire(std::uint64_t nowUs, std::uint64_t timeoutUs, AssembledHandler& out) {
  for (std::size_t i = 0; i < pending_.size();) {
    if (nowUs >= pending_[i].firstUs && nowUs - pending_[i].firstUs >= timeoutUs)
      emitAndErase(i, out);
    else
      ++i;
  }
}

std::size_t FragmentAssembler::flushAll(AssembledHandler& out) {
  std::size_t n = 0;
  for (; !pending_.empty(); ++n) emitAndErase(0, out);
  return n;
}

void FragmentAssembler::emit(Message& m, AssembledHandler& out) {
  pieces_.clear();
  for (const ByteRange& r : m.have)
    pieces_.push_back({r.begin, std::string_view(m.data).substr(r.begin, r.end - r.begin)});
  AssembledMessage a;
  a.key = m.key;
  a.total = m.total;
  a.pieces = pieces_;
  a.lastUs = m.lastUs;
  a.complete = m.received == m.total;
  out.onAssembled(a);
}

void FragmentAssembler::emitAndErase(std::size_t index, AssembledHandler& out) {
  // Take the message out first: the handler may not re-enter, but erase must not dangle `m`.
  Message m = std::move(pending_[index]);
  pending_.erase(pending_.begin() + std::ptrdiff_t(index));
  bytes_ -= m.total;
  memory_ -= costOf(m);
  emit(m, out);
  // A sender with nothing pending keeps no buffers: up to --max-sources senders would otherwise
  // each hold on to their high-water mark outside the memory budget.
  if (pending_.empty()) {
    pending_ = {};
    pieces_ = {};
  }
}

void FragmentAssembler::emitLoneFragment(const ExtendedHeader& h, std::string_view bytes, std::uint64_t nowUs,
                                         AssembledHandler& out) {
  keyScratch_.assign(h.keyHead).append(h.keyTail);
  pieces_.clear();
  if (!bytes.empty()) pieces_.push_back({h.fragOffset, bytes});
  AssembledMessage a;
  a.key = keyScratch_;
  a.total = h.fragTotal;
  a.pieces = pieces_;
  a.lastUs = nowUs;
  a.complete = h.fragOffset == 0 && bytes.size() == h.fragTotal;
  out.onAssembled(a);
  keyScratch_ = {};  // a rare path: keep nothing per sender for it
  if (pending_.empty()) pieces_ = {};
}

}  // namespace ncxdp
