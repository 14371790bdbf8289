#!/usr/bin/env bash
# A flood of spoofed senders that each leave a line unfinished (issue 13 item 3).
#   1. 10,000 senders x 8 KB of unfinished plain line (80 MB of pending state asked for) against
#      `listen --threads 2 --decoder-memory 4M`: the decoders never hold more than the one budget,
#      evict the oldest lines (counted), and the process stays far below what the flood asked for.
#      Every sender's bytes still come out, in order, exactly once: the pieces of each line joined
#      give the whole line.
#   2. When the flood stops, 4 MB of idle lines are flushed while the output is stalled (its reader
#      stopped): the flush waits for room (ncxdp_idle_flush_paced_total) instead of overflowing the
#      ring, so no record is dropped there.
#   3. `--max-sources` is a total over threads: 1,500 senders against `--threads 2 --max-sources
#      1000` leave at most 1,000 tracked and evict the rest (per thread, all 1,500 were kept).
# Usage: decoder_memory_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped.
set -euo pipefail
SECONDS=0
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
command -v curl >/dev/null || skip "curl not installed"
NC_FLOOD="$BUILD/nc_flood"
[[ -x "$NC_FLOOD" ]] || fail "$NC_FLOOD not built"
setup_netns
# The flood's addresses (10.200.0.0/16) have no route back here: strict reverse-path filtering
# would drop them before any socket sees them.
ip netns exec "$RX_NS" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.vrx.rp_filter=0

SENDERS=10000
CHUNKS=8
CHUNK=1000
BUDGET=$((4 << 20))

scrape() { ip netns exec "$RX_NS" curl -sf --noproxy '*' --max-time 5 "http://127.0.0.1:$1/metrics"; }
# sum PROM_TEXT NAME [FILTER]: the sum of NAME's samples whose labels contain FILTER.
sum() { awk -v n="$2" -v f="${3:-}" '$1 ~ "^"n"([{]|$)" && index($1, f) {s += $2} END {printf "%d", s}' <<<"$1"; }

# ---- 1 and 2: the memory budget, then the idle flush against a stalled output ----
mkfifo "$WORK/out.fifo"
cat "$WORK/out.fifo" >"$WORK/out.jsonl" &
READER=$!
PIDS+=("$READER")
ip netns exec "$RX_NS" "$NCXDP" listen --port 6666 --threads 2 --decoder-memory 4M --ring-size 4M \
  --line-timeout 3000 --metrics 127.0.0.1:9741 --out "jsonl:$WORK/out.fifo" -v 2>"$WORK/listen.err" &
RX=$!
PIDS+=("$RX")
wait_udp_listener "$RX_NS" 6666
log "[${SECONDS}s] flood: $SENDERS spoofed senders x $CHUNKS x $CHUNK bytes of unfinished line"
ip netns exec "$TX_NS" timeout 60 "$NC_FLOOD" --to "$RX_V4:6666" --src-net 10.200.0.0 --senders "$SENDERS" \
  --chunks "$CHUNKS" --chunk-bytes "$CHUNK" --pps 25000 >"$WORK/flood.out" &
FLOOD=$!
PIDS+=("$FLOOD")
peak=0
while kill -0 "$FLOOD" 2>/dev/null; do
  held=$(sum "$(scrape 9741 || true)" ncxdp_decoder_memory_bytes)
  ((held > peak)) && peak=$held
  sleep 0.2
done
wait "$FLOOD" || fail "nc_flood failed"
sent=$(cat "$WORK/flood.out")
((sent == SENDERS * CHUNKS)) || fail "nc_flood sent $sent datagrams, expected $((SENDERS * CHUNKS))"
# What the flood itself lost at the ring (a slow output during it): none at this gentle rate, and
# the idle flush must add none.
flood_drops=$(sum "$(scrape 9741)" ncxdp_ring_dropped_records_total)
# Stall the output before the idle flush (3 s after the last datagram) and hold it well past it.
kill -STOP "$READER"
for ((i = 0; i < 100; i++)); do
  text=$(scrape 9741 || true)
  held=$(sum "$text" ncxdp_decoder_memory_bytes)
  ((held > peak)) && peak=$held
  (($(sum "$text" ncxdp_idle_flush_paced_total) > 0)) && break
  sleep 0.1
done
text=$(scrape 9741)
paced=$(sum "$text" ncxdp_idle_flush_paced_total)
ring_drops=$(sum "$text" ncxdp_ring_dropped_records_total)
kill -CONT "$READER"
log "[${SECONDS}s] flush paced $paced time(s) while the output was stalled; ring drops so far $ring_drops"
((paced > 0)) || fail "the idle flush was never paced with the output stalled (ncxdp_idle_flush_paced_total 0)"
((peak <= BUDGET)) || fail "decoders held $peak bytes, over the 4M budget"
limit=$(sum "$text" ncxdp_decoder_memory_limit_bytes)
((limit == BUDGET)) || fail "ncxdp_decoder_memory_limit_bytes is $limit, expected $BUDGET"
# Bounded wait until everything pending came out and reached the output.
for ((i = 0; i < 300; i++)); do
  text=$(scrape 9741 || true)
  decoded=$(sum "$text" ncxdp_records_total)
  handed=$(sum "$text" ncxdp_sink_records_total)
  (($(sum "$text" ncxdp_decoder_memory_bytes) == 0 && decoded > 0 && handed >= decoded)) && break
  sleep 0.1
done
evicted_memory=$(sum "$text" ncxdp_pending_evicted_total 'reason="memory"')
rss_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$RX/status")
kill -TERM "$RX"
wait_exit "$RX" 30
((WAIT_RC == 0)) || fail "listen exited $WAIT_RC: $(tail -5 "$WORK/listen.err")"
wait_exit "$READER" 30
log "[${SECONDS}s] peak decoder memory $((peak >> 10)) KiB of $((BUDGET >> 10)); $evicted_memory lines emitted early at the budget; peak RSS $((rss_kib >> 10)) MiB"
((evicted_memory > 0)) || fail "80 MB of pending lines against a 4M budget evicted nothing"
ring_drops=$(sum "$text" ncxdp_ring_dropped_records_total)
((flood_drops == 0)) || fail "$flood_drops records dropped at the ring during a 25,000/s flood"
((ring_drops == 0)) || fail "$ring_drops records dropped at the ring (the idle flush must wait, not overflow)"
# The flood asked for 80 MB of line buffers; the budget keeps the whole process far below.
((rss_kib < 60 * 1024)) || fail "peak RSS $((rss_kib >> 10)) MiB: the decoders' memory is not bounded by --decoder-memory"
grep -q 'decoder memory: 4096 KiB budget' "$WORK/listen.err" || fail "exit summary lacks the decoder memory line: $(cat "$WORK/listen.err")"

# Every sender's line, joined from its pieces in arrival order, is whole: nothing lost or doubled.
/usr/bin/python3 - "$WORK/out.jsonl" "$SENDERS" "$CHUNKS" "$CHUNK" <<'EOF' || fail "records do not add up to the senders' lines"
import ipaddress, json, sys
path, senders, chunks, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
joined, pieces, cut = {}, 0, 0
with open(path) as f:
    for line in f:
        r = json.loads(line)
        if r.get("event") == "gap":
            continue
        joined.setdefault(r["src"], []).append(r["text"])
        pieces += 1
        cut += bool(r.get("incomplete"))
bad = 0
base = int(ipaddress.IPv4Address("10.200.0.0"))
for src, texts in joined.items():
    s = int(ipaddress.IPv4Address(src.rsplit(":", 1)[0])) - base - 1
    head = f"flood sender {s} "
    want = head + "x" * (chunk - len("[    1.000000] ") - len(head)) + "y" * (chunk * (chunks - 1))
    if "".join(texts) != want:
        bad += 1
        if bad <= 3:
            print(f"{src}: {len(texts)} pieces, {len(''.join(texts))} bytes, expected {len(want)}", file=sys.stderr)
print(f"{len(joined)} senders, {pieces} records ({cut} flagged incomplete), {bad} lines not whole", file=sys.stderr)
sys.exit(0 if bad == 0 and len(joined) == senders else 1)
EOF

# ---- 3: --max-sources is a total over threads ----
ip netns exec "$RX_NS" "$NCXDP" listen --port 6667 --threads 2 --max-sources 1000 --metrics 127.0.0.1:9742 \
  --out "jsonl:$WORK/sources.jsonl" 2>"$WORK/sources.err" &
RX2=$!
PIDS+=("$RX2")
wait_udp_listener "$RX_NS" 6667
ip netns exec "$TX_NS" timeout 60 "$NC_FLOOD" --to "$RX_V4:6667" --src-net 10.201.0.0 --senders 1500 \
  --chunks 0 --finish --pps 50000 >/dev/null || fail "nc_flood failed"
for ((i = 0; i < 100; i++)); do
  text=$(scrape 9742 || true)
  (($(sum "$text" ncxdp_records_total) >= 1500)) && break
  sleep 0.1
done
active=$(sum "$text" ncxdp_sources_active)
evicted=$(sum "$text" ncxdp_sources_evicted_total)
records=$(sum "$text" ncxdp_records_total)
kill -TERM "$RX2"
wait_exit "$RX2" 30
log "[${SECONDS}s] --max-sources 1000 over 2 threads: $active tracked, $evicted evicted, $records records"
((records == 1500)) || fail "$records records from 1500 one-line senders"
((active <= 1000)) || fail "$active senders tracked with --max-sources 1000 over 2 threads (a per-thread limit)"
((evicted >= 500)) || fail "only $evicted senders evicted: 1500 senders against --max-sources 1000"
log "[${SECONDS}s] PASS"
