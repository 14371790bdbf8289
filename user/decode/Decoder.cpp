#include "decode/Decoder.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "decode/DecoderBudget.h"
#include "decode/Escape.h"
#include "decode/ExtendedHeader.h"
#include "decode/FragmentAssembler.h"
#include "decode/GapTracker.h"
#include "decode/PlainLine.h"

namespace ncxdp {

struct SourceState;

namespace {

// netconsole's MAX_PRINT_CHUNK: a plain datagram this long that ends mid-line is followed by its
// headerless continuation.
constexpr std::size_t kMaxPrintChunk = 1000;
// A record's encoding beyond its text (source, numbers, flags): what hasRoomFor() is asked on top.
constexpr std::size_t kRecordOverhead = 256;
// Evictions towards another decoder's horizon per tick: bounds the time one tick takes.
constexpr std::size_t kMaxRebalancePerTick = 4096;

// What an empty std::string holds without allocating (its small-string buffer).
const std::size_t kInlineLineBytes = std::string().capacity();

enum class EvictCause { Sources, Memory };

std::string_view asChars(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::optional<std::uint64_t> parseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + std::uint64_t(c - '0');
  }
  return v;
}

// Links for the two orderings a source takes part in. Intrusive, so moving a source to the front
// on every datagram costs no allocation.
struct Links {
  SourceState* prev = nullptr;
  SourceState* next = nullptr;
  bool linked = false;
};

}  // namespace

struct SourceState {
  SourceState(const Source& s, const DecoderConfig& config, FragmentCounters& counters)
      : src(s), frags(config, counters) {}

  Source src;
  std::string line;          // plain bytes after the last '\n'
  std::uint64_t lineUs = 0;  // when `line` last grew
  bool lineIsTail = false;   // `line` continues an over-long line: no prefix to parse
  bool expectContinuation = false;
  std::optional<Format> lastFormat;
  FragmentAssembler frags;
  GapTracker gaps;
  SourceStats stats;
  Links lru;      // every source, most recently active first
  Links pending;  // sources holding a partial line or fragments, most recently active first
  // What this source's pending state was last counted as in the memory budget (settle()).
  std::size_t chargedLine = 0;
  std::size_t chargedFrags = 0;

  bool hasPending() const { return !line.empty() || !frags.empty(); }
};

namespace {

// A doubly linked list threaded through SourceState::*member.
template <Links SourceState::*L>
class SourceList {
 public:
  void pushFront(SourceState* s) {
    Links& l = s->*L;
    l.prev = nullptr;
    l.next = head_;
    if (head_ != nullptr) (head_->*L).prev = s;
    head_ = s;
    if (tail_ == nullptr) tail_ = s;
    l.linked = true;
  }
  void remove(SourceState* s) {
    Links& l = s->*L;
    if (!l.linked) return;
    if (l.prev != nullptr)
      (l.prev->*L).next = l.next;
    else
      head_ = l.next;
    if (l.next != nullptr)
      (l.next->*L).prev = l.prev;
    else
      tail_ = l.prev;
    l = Links{};
  }
  void moveToFront(SourceState* s) {
    if (head_ == s) return;
    remove(s);
    pushFront(s);
  }
  SourceState* tail() const { return tail_; }
  static SourceState* prevOf(SourceState* s) { return (s->*L).prev; }

 private:
  SourceState* head_ = nullptr;
  SourceState* tail_ = nullptr;
};

}  // namespace

class Decoder::Impl : public AssembledHandler {
 public:
  explicit Impl(const DecoderConfig& config)
      : config_(config),
        budget_(config.budget ? config.budget
                              : std::make_shared<DecoderBudget>(config.memoryBytes, config.maxSources, 1)),
        memory_(budget_->memory()),
        sourceShare_(budget_->sources()) {}

  void feed(const Source& source, std::span<const std::uint8_t> payload, std::uint64_t nowUs,
            RecordHandler& out) {
    out_ = &out;
    ++stats_.datagrams;
    stats_.bytes += payload.size();
    SourceState& s = lookup(source);
    ++s.stats.datagrams;
    s.stats.bytes += payload.size();
    s.stats.lastSeenUs = nowUs;
    lru_.moveToFront(&s);
    if (payload.empty()) {
      ++stats_.emptyDatagrams;
      return;
    }
    // A source that keeps sending never looks idle to tick(); expire its own stale fragments here.
    if (!s.frags.empty()) expireFragments(s, nowUs);

    std::string_view bytes = asChars(payload);
    ExtendedHeader header;
    std::size_t bodyOffset = 0;
    const HeaderParse parsed =
        s.expectContinuation ? HeaderParse::NotHeader : parseExtendedHeader(bytes, header, bodyOffset);
    if (parsed == HeaderParse::Ok) {
      feedExtended(s, header, bytes.substr(bodyOffset), nowUs);
    } else {
      // Plain text, or a broken extended header whose bytes are kept as plain text and counted.
      if (parsed == HeaderParse::Malformed) ++stats_.malformed;
      feedPlain(s, bytes, nowUs);
    }
    updatePending(s);
    settle(s);
    if (!memory_.within()) relieveMemory(s);
  }

  bool tick(std::uint64_t nowUs, RecordHandler& out) {
    out_ = &out;
    rebalance();
    const std::uint64_t minWait = std::min(config_.lineIdleUs, config_.fragTimeoutUs);
    SourceState* s = pendingList_.tail();
    while (s != nullptr) {
      SourceState* prev = pendingList_.prevOf(s);
      if (nowUs < s->stats.lastSeenUs || nowUs - s->stats.lastSeenUs < minWait) break;
      // Many senders going quiet at once (a flood that stopped) must not overflow the ring: what
      // the outputs cannot take now waits for the next tick, still held and still counted.
      if (!out.hasRoomFor(emitBytes(*s))) {
        ++stats_.flushPaced;
        return true;
      }
      if (!s->line.empty() && nowUs - s->lineUs >= config_.lineIdleUs) {
        ++stats_.linesIdleFlushed;
        flushLine(*s, s->lineUs);
      }
      if (!s->frags.empty()) expireFragments(*s, nowUs);
      if (!s->hasPending()) pendingList_.remove(s);
      settle(*s);
      s = prev;
    }
    return false;
  }

  void flush(std::uint64_t nowUs, RecordHandler& out) {
    out_ = &out;
    for (auto& [key, state] : sources_) {
      flushPending(*state);
      pendingList_.remove(state.get());
      settle(*state);
    }
  }

  DecoderStats& stats() {
    stats_.fragmentsDuplicate = fragCounters_.duplicate;
    stats_.messagesReassembled = fragCounters_.reassembled;
    stats_.reasmOverCap = fragCounters_.overCap;
    stats_.pendingBytes = memory_.used();
    stats_.memoryLimit = budget_->memory().total();
    return stats_;
  }
  std::size_t sourceCount() const { return sources_.size(); }
  std::size_t reasmBytes() const { return reasmBytes_; }
  std::size_t pendingBytes() const { return memory_.used(); }

  void visit(void (*fn)(void*, const Source&, const SourceStats&), void* ctx) const {
    for (const auto& [key, state] : sources_) fn(ctx, key, state->stats);
  }

  void onAssembled(const AssembledMessage& a) override {
    ExtendedHeader h;
    if (parseExtendedHeaderFields(a.key, h) != HeaderParse::Ok) {
      // Cannot happen: the key was cut from a header that parsed. Count it rather than trust it.
      ++stats_.malformed;
      return;
    }
    if (a.complete && a.pieces.size() == 1) {
      emitExtended(*cur_, h, a.pieces[0].bytes, a.lastUs, false);
      return;
    }
    // Incomplete: the bytes that did arrive, in order, and the ranges that did not.
    bodyBuf_.clear();
    missing_.clear();
    std::uint32_t at = 0;
    for (const BodyPiece& p : a.pieces) {
      if (p.offset > at) missing_.push_back({at, p.offset});
      bodyBuf_.append(p.bytes);
      at = p.offset + std::uint32_t(p.bytes.size());
    }
    if (at < a.total) missing_.push_back({at, a.total});
    ++stats_.messagesIncomplete;
    ++cur_->stats.incomplete;
    emitExtended(*cur_, h, bodyBuf_, a.lastUs, !a.complete);
  }

 private:
  SourceState& lookup(const Source& source) {
    auto it = sources_.find(source);
    if (it != sources_.end()) return *it->second;
    if (!sourceShare_.add(1)) {
      // Every decoder's share of --max-sources is in use: this decoder's least recently active
      // sender makes room, and the others drop theirs that are older still (rebalance()).
      if (SourceState* victim = lru_.tail()) {
        sourceShare_.pool().noteEviction(victim->stats.lastSeenUs);
        evictSource(*victim);
      }
    }
    auto state = std::make_unique<SourceState>(source, config_, fragCounters_);
    SourceState* raw = state.get();
    sources_.emplace(source, std::move(state));
    lru_.pushFront(raw);
    return *raw;
  }

  void evictSource(SourceState& victim) {
    ++stats_.sourcesEvicted;
    evictPending(victim, EvictCause::Sources);
    lru_.remove(&victim);
    sourceShare_.remove(1);
    sources_.erase(victim.src);
  }

  // Emits a source's pending state as it is, before it is whole, to stay within a limit: a partial
  // line flagged incomplete, fragmented messages flagged incomplete with their missing ranges.
  void evictPending(SourceState& s, EvictCause cause) {
    if (!s.line.empty()) {
      ++(cause == EvictCause::Sources ? stats_.linesEvictedSources : stats_.linesEvictedMemory);
      emitPlainLine(s, s.line, s.lineUs, s.lineIsTail, /*cut=*/true);
      clearLine(s);
    }
    if (!s.frags.empty()) {
      cur_ = &s;
      const std::size_t n = s.frags.flushAll(*this);
      (cause == EvictCause::Sources ? stats_.messagesEvictedSources : stats_.messagesEvictedMemory) += n;
    }
    pendingList_.remove(&s);
    settle(s);
  }

  // Over the memory budget after `current`'s datagram: the oldest pending state goes first, that
  // of `current` (the newest) only when nothing else is left.
  void relieveMemory(SourceState& current) {
    SourceState* v = pendingList_.tail();
    while (v != nullptr && !memory_.refill()) {
      SourceState* prev = pendingList_.prevOf(v);
      if (v != &current) {
        memory_.pool().noteEviction(v->stats.lastSeenUs);
        evictPending(*v, EvictCause::Memory);
      }
      v = prev;
    }
    if (!memory_.refill()) evictPending(current, EvictCause::Memory);
  }

  // Another decoder had to evict state last active at the horizon: this one gives up its own
  // state that is older still (beyond its guaranteed floor), so the budget goes to the newest
  // state of the capture as a whole.
  void rebalance() {
    const std::uint64_t sourceHorizon = sourceShare_.pool().horizonUs();
    std::size_t n = 0;
    while (sourceHorizon != 0 && n < kMaxRebalancePerTick && sourceShare_.aboveFloor()) {
      SourceState* v = lru_.tail();
      if (v == nullptr || v->stats.lastSeenUs >= sourceHorizon) break;
      if (v->hasPending() && !out_->hasRoomFor(emitBytes(*v))) break;
      evictSource(*v);
      ++n;
    }
    const std::uint64_t memoryHorizon = memory_.pool().horizonUs();
    while (memoryHorizon != 0 && n < kMaxRebalancePerTick && memory_.aboveFloor()) {
      SourceState* v = pendingList_.tail();
      if (v == nullptr || v->stats.lastSeenUs >= memoryHorizon) break;
      if (!out_->hasRoomFor(emitBytes(*v))) break;
      evictPending(*v, EvictCause::Memory);
      ++n;
    }
  }

  // About what emitting `s`'s pending state puts into the output: what hasRoomFor() is asked.
  static std::size_t emitBytes(const SourceState& s) {
    return s.line.size() + s.frags.memoryBytes() + kRecordOverhead;
  }

  // Brings the memory budget up to date with what `s` holds now.
  void settle(SourceState& s) {
    const std::size_t line = s.line.capacity() > kInlineLineBytes ? s.line.capacity() : 0;
    const std::size_t frags = s.frags.memoryBytes();
    const std::size_t before = s.chargedLine + s.chargedFrags;
    const std::size_t after = line + frags;
    reasmBytes_ = reasmBytes_ - s.chargedFrags + frags;
    s.chargedLine = line;
    s.chargedFrags = frags;
    if (after > before)
      memory_.add(after - before);
    else if (after < before)
      memory_.remove(before - after);
  }

  void flushPending(SourceState& s) {
    if (!s.line.empty()) flushLine(s, s.lineUs);
    cur_ = &s;
    s.frags.flushAll(*this);
  }

  void expireFragments(SourceState& s, std::uint64_t nowUs) {
    cur_ = &s;
    s.frags.expire(nowUs, config_.fragTimeoutUs, *this);
  }

  void updatePending(SourceState& s) {
    if (s.hasPending())
      pendingList_.moveToFront(&s);
    else
      pendingList_.remove(&s);
  }

  void noteFormat(SourceState& s, Format f) {
    if (s.lastFormat && *s.lastFormat != f) ++stats_.formatSwitches;
    s.lastFormat = f;
  }

  // ---- plain ----

  void feedPlain(SourceState& s, std::string_view bytes, std::uint64_t nowUs) {
    noteFormat(s, Format::Plain);
    std::size_t start = 0;
    for (;;) {
      std::size_t nl = bytes.find('\n', start);
      if (nl == std::string_view::npos) break;
      std::string_view piece = bytes.substr(start, nl - start);
      if (s.line.empty()) {
        emitPlainLine(s, piece, nowUs, s.lineIsTail);
      } else {
        s.line.append(piece);
        emitPlainLine(s, s.line, nowUs, s.lineIsTail);
        releaseLine(s);
      }
      s.lineIsTail = false;
      start = nl + 1;
    }
    if (start < bytes.size()) {
      s.line.append(bytes.substr(start));
      s.lineUs = nowUs;
      while (s.line.size() > config_.maxLineBytes) {
        // No kernel sends such a line; emit it in pieces so memory stays bounded.
        ++stats_.linesSplit;
        emitPlainLine(s, std::string_view(s.line).substr(0, config_.maxLineBytes), nowUs, s.lineIsTail);
        s.line.erase(0, config_.maxLineBytes);
        s.lineIsTail = true;
      }
    }
    s.expectContinuation = bytes.size() == kMaxPrintChunk && !s.line.empty();
  }

  void flushLine(SourceState& s, std::uint64_t recvUs) {
    emitPlainLine(s, s.line, recvUs, s.lineIsTail);
    clearLine(s);
  }

  void clearLine(SourceState& s) {
    releaseLine(s);
    s.lineIsTail = false;
    s.expectContinuation = false;
  }

  // Empties the line and frees its buffer: a sender with nothing pending holds no line memory, so
  // the memory budget counts all there is (a partial line costs one allocation).
  static void releaseLine(SourceState& s) {
    if (s.line.capacity() > kInlineLineBytes)
      std::string().swap(s.line);
    else
      s.line.clear();
  }

  // `cut`: emitted before its newline because of an eviction; the rest may follow as another record.
  void emitPlainLine(SourceState& s, std::string_view line, std::uint64_t recvUs, bool rawTail,
                     bool cut = false) {
    Record r;
    r.src = s.src;
    r.recvTsUs = recvUs;
    r.format = Format::Plain;
    r.incomplete = cut;
    if (rawTail) {
      r.text = line;
    } else {
      PlainLine p = parsePlainLine(line);
      r.facility = p.facility;
      r.level = p.level;
      r.tsUsec = p.tsUsec;
      r.caller = p.caller;
      r.text = p.text;
      stats_.kernelDropped += parseDroppedNotice(p.text);
    }
    ++stats_.recordsPlain;
    ++s.stats.records;
    out_->onRecord(r);
  }

  // ---- extended ----

  void feedExtended(SourceState& s, const ExtendedHeader& h, std::string_view body, std::uint64_t nowUs) {
    if (s.lastFormat == Format::Plain && !s.line.empty()) flushLine(s, s.lineUs);
    noteFormat(s, Format::Extended);
    // A crash dump (ncxdp_tx's kmsg dumper, header field ncxdp_dump=N) sends the log ring again
    // from its oldest record, so its seq values are old on purpose. They stay out of the seq
    // tracker: the jump back would read as a restart (seq 0 or far back) or as late duplicates,
    // and the next live record as a gap or a second restart. The tracker keeps the live stream's
    // state, which resumes after the dump as if it had not happened. Dumped records do feed the
    // msgid tracker in emitExtended(): the sender counts them like any other message to the
    // target, so a dumped message lost on the way is still reported as a msgid gap.
    if (h.dump == 0) {
      if (auto gap = s.gaps.seq(h.seq)) emitGap(s, GapField::Seq, *gap, nowUs);
    }
    if (h.fragmented) {
      ++stats_.fragments;
      cur_ = &s;
      s.frags.add(h, body, nowUs, *this);
      return;
    }
    // 6.12 can pad a 1000-byte payload with 0x00 where its final '\n' belongs.
    while (!body.empty() && body.back() == '\0') body.remove_suffix(1);
    missing_.clear();
    emitExtended(s, h, body, nowUs, false);
  }

  void emitExtended(SourceState& s, const ExtendedHeader& h, std::string_view body, std::uint64_t recvUs,
                    bool incomplete) {
    std::size_t nl = body.find('\n');
    std::string_view escapedText = body.substr(0, nl);
    std::string_view dictText = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);

    if (textBuf_.size() < escapedText.size()) textBuf_.resize(escapedText.size());
    std::size_t textLen = unescapeInto(escapedText, textBuf_.data());

    // Unescaping never grows, so values unescaped into dictBuf_ never move once it is sized.
    if (dictBuf_.size() < dictText.size()) dictBuf_.resize(dictText.size());
    kv_.clear();
    std::size_t used = 0;
    std::optional<std::uint64_t> msgid;
    while (!dictText.empty()) {
      std::size_t end = dictText.find('\n');
      std::string_view entry = dictText.substr(0, end);
      dictText = end == std::string_view::npos ? std::string_view{} : dictText.substr(end + 1);
      if (entry.empty()) continue;
      if (entry.front() == ' ') entry.remove_prefix(1);
      std::size_t eq = entry.find('=');
      std::string_view key = entry.substr(0, eq);
      std::string_view rawValue = eq == std::string_view::npos ? std::string_view{} : entry.substr(eq + 1);
      std::size_t n = unescapeInto(rawValue, dictBuf_.data() + used);
      std::string_view value(dictBuf_.data() + used, n);
      used += n;
      kv_.push_back({key, value});
      if (key == "msgid") msgid = parseDecimal(value);
    }
    if (msgid) {
      if (auto gap = s.gaps.msgid(*msgid)) emitGap(s, GapField::Msgid, *gap, recvUs);
    }

    Record r;
    r.src = s.src;
    r.recvTsUs = recvUs;
    r.format = Format::Extended;
    r.release = h.release;
    r.facility = int(h.prio >> 3);
    r.level = int(h.prio & 7);
    r.seq = h.seq;
    r.tsUsec = h.tsUsec;
    r.cont = h.cont;
    r.caller = h.caller;
    r.text = std::string_view(textBuf_.data(), textLen);
    r.dict = kv_;
    r.msgid = msgid;
    r.incomplete = incomplete;
    if (incomplete) r.missing = missing_;
    r.dump = h.dump;
    ++stats_.recordsExtended;
    if (h.dump != 0) ++stats_.recordsDumped;
    ++s.stats.records;
    out_->onRecord(r);
  }

  void emitGap(SourceState& s, GapField field, const Gap& gap, std::uint64_t recvUs) {
    Record r;
    r.kind = RecordKind::Gap;
    r.src = s.src;
    r.recvTsUs = recvUs;
    r.gapField = field;
    r.gapFrom = gap.from;
    r.gapTo = gap.to;
    const std::uint64_t count = gapCount(r);
    if (field == GapField::Seq) {
      ++stats_.seqGaps;
      stats_.seqMissing += count;
      s.stats.seqMissing += count;
    } else {
      ++stats_.msgidGaps;
      stats_.msgidMissing += count;
      s.stats.msgidMissing += count;
    }
    out_->onRecord(r);
  }

  DecoderConfig config_;
  std::shared_ptr<DecoderBudget> budget_;
  BudgetShare memory_;       // bytes of pending state (settle())
  BudgetShare sourceShare_;  // senders tracked
  DecoderStats stats_;
  FragmentCounters fragCounters_;
  std::size_t reasmBytes_ = 0;
  std::unordered_map<Source, std::unique_ptr<SourceState>, SourceHash> sources_;
  SourceList<&SourceState::lru> lru_;
  SourceList<&SourceState::pending> pendingList_;
  RecordHandler* out_ = nullptr;
  SourceState* cur_ = nullptr;  // the source whose fragments the assembler is emitting
  // Scratch buffers reused for every record: no allocation once they reached their high-water mark.
  std::string textBuf_;
  std::string dictBuf_;
  std::string bodyBuf_;
  std::vector<KeyValue> kv_;
  std::vector<ByteRange> missing_;
};

Decoder::Decoder(DecoderConfig config) : impl_(std::make_unique<Impl>(config)) {}
Decoder::~Decoder() = default;

void Decoder::feed(const Source& source, std::span<const std::uint8_t> payload, std::uint64_t nowUs,
                   RecordHandler& out) {
  impl_->feed(source, payload, nowUs, out);
}
bool Decoder::tick(std::uint64_t nowUs, RecordHandler& out) {
  return impl_->tick(nowUs, out);
}
void Decoder::flush(std::uint64_t nowUs, RecordHandler& out) {
  impl_->flush(nowUs, out);
}
const DecoderStats& Decoder::stats() const {
  return impl_->stats();
}
std::size_t Decoder::sourceCount() const {
  return impl_->sourceCount();
}
std::size_t Decoder::reasmBytes() const {
  return impl_->reasmBytes();
}
std::size_t Decoder::pendingBytes() const {
  return impl_->pendingBytes();
}
void Decoder::visitSources(void (*fn)(void*, const Source&, const SourceStats&), void* ctx) const {
  impl_->visit(fn, ctx);
}

}  // namespace ncxdp
