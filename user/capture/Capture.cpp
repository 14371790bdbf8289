#include "capture/Capture.h"

#include <algorithm>

namespace ncxdp {

void addDecoderStats(DecoderStats& into, const DecoderStats& from) {
  into.datagrams += from.datagrams;
  into.bytes += from.bytes;
  into.recordsPlain += from.recordsPlain;
  into.recordsExtended += from.recordsExtended;
  into.recordsDumped += from.recordsDumped;
  into.fragments += from.fragments;
  into.fragmentsDuplicate += from.fragmentsDuplicate;
  into.messagesReassembled += from.messagesReassembled;
  into.messagesIncomplete += from.messagesIncomplete;
  into.reasmOverCap += from.reasmOverCap;
  into.malformed += from.malformed;
  into.emptyDatagrams += from.emptyDatagrams;
  into.linesIdleFlushed += from.linesIdleFlushed;
  into.linesSplit += from.linesSplit;
  into.seqGaps += from.seqGaps;
  into.seqMissing += from.seqMissing;
  into.msgidGaps += from.msgidGaps;
  into.msgidMissing += from.msgidMissing;
  into.kernelDropped += from.kernelDropped;
  into.sourcesEvicted += from.sourcesEvicted;
  into.formatSwitches += from.formatSwitches;
  into.linesEvictedSources += from.linesEvictedSources;
  into.linesEvictedMemory += from.linesEvictedMemory;
  into.messagesEvictedSources += from.messagesEvictedSources;
  into.messagesEvictedMemory += from.messagesEvictedMemory;
  into.flushPaced += from.flushPaced;
  into.pendingBytes += from.pendingBytes;
  // One budget shared by every decoder: the same limit, not a sum.
  into.memoryLimit = std::max(into.memoryLimit, from.memoryLimit);
}

}  // namespace ncxdp
