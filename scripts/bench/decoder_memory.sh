#!/usr/bin/env bash
# Decoder memory against the number of distinct senders (issue 13 item 3): a flood of spoofed
# plain senders, each leaving a 1000-byte line unfinished (tests/tools/nc_flood), against
# `ncxdp listen` with its defaults (--decoder-memory 64M, --max-sources 65536, both totals over
# threads) and with --threads 2. Per trial: the process's peak RSS (VmHWM), the most the decoders
# held (ncxdp_decoder_memory_bytes, sampled every 0.2 s), senders tracked, lines emitted early at
# a limit, and records out. Prints a markdown table of medians (min-max) over BENCH_REPEAT trials;
# raw results go to OUT_DIR/decoder_memory.jsonl.
#
#   decoder_memory.sh BUILD_DIR OUT_DIR
#
# Environment: BENCH_SENDERS (default "10000 100000 1000000"), BENCH_REPEAT (3), BENCH_PPS
# (datagrams per second, default 200000), BENCH_CONFIGS (default "defaults threads2"),
# BENCH_CHUNKS (1000-byte datagrams of unfinished line per sender, default 1; 8 makes 8 KB
# lines, the most a sender may hold), BENCH_NCXDP (another ncxdp binary, e.g. a build of an
# older commit as a baseline; metrics it lacks read as 0).
# Runs only inside two namespaces it creates (veth pair, addresses 10.197.0.0/16 and the flood's
# 10.96.0.0/12, which exist nowhere else); needs root.
set -euo pipefail
build=$(cd "${1:?usage: decoder_memory.sh BUILD_DIR OUT_DIR}" && pwd)
out=${2:?usage: decoder_memory.sh BUILD_DIR OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
results=$out/decoder_memory.jsonl
: >"$results"
SENDERS=${BENCH_SENDERS:-"10000 100000 1000000"}
REPEAT=${BENCH_REPEAT:-3}
PPS=${BENCH_PPS:-200000}
CONFIGS=${BENCH_CONFIGS:-"defaults threads2"}
CHUNKS=${BENCH_CHUNKS:-1}
NCXDP=${BENCH_NCXDP:-$build/ncxdp}
FLOOD=$build/nc_flood
for bin in "$NCXDP" "$FLOOD"; do
  [[ -x $bin ]] || { echo "bench: $bin is not built (run: make build)" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root for network namespaces" >&2; exit 1; }
for tool in curl jq; do command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }; done
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

RX_ADDR=10.197.0.1
source "$(dirname "$0")/netns.sh"
bench_netns mem-bench memrx memtx
ip -n "$RX" addr add "$RX_ADDR/16" dev memrx
ip -n "$TX" addr add 10.197.0.2/16 dev memtx
ip -n "$RX" link set memrx up
ip -n "$TX" link set memtx up
# The flood's sources have no route back: no reverse-path filter.
ip netns exec "$RX" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.memrx.rp_filter=0
for _ in $(seq 50); do ip -n "$RX" -o link show memrx | grep -q LOWER_UP && break; sleep 0.1; done

scrape() { ip netns exec "$RX" curl -sf --noproxy '*' --max-time 5 http://127.0.0.1:9743/metrics; }
sum() { awk -v n="$2" -v f="${3:-}" '$1 ~ "^"n"([{]|$)" && index($1, f) {s += $2} END {printf "%d", s}' <<<"$1"; }

trial() {
  local config=$1 senders=$2 rep=$3 args=()
  [[ $config == threads2 ]] && args=(--threads 2)
  rm -f "$SHM/out.jsonl"
  ip netns exec "$RX" "$NCXDP" listen --port 6666 "${args[@]}" --metrics 127.0.0.1:9743 \
    --out "jsonl:$SHM/out.jsonl" -v 2>"$SHM/listen.err" &
  RX_PID=$!
  for _ in $(seq 100); do scrape >/dev/null 2>&1 && break; sleep 0.05; done
  local base_kib
  base_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$RX_PID/status")
  ip netns exec "$TX" timeout 120 "$FLOOD" --to "$RX_ADDR:6666" --src-net 10.96.0.0 --senders "$senders" \
    --chunks "$CHUNKS" --chunk-bytes 1000 --pps "$PPS" >"$SHM/flood.out" &
  local flood=$! peak=0 held text
  while kill -0 "$flood" 2>/dev/null; do
    held=$(sum "$(scrape || true)" ncxdp_decoder_memory_bytes)
    ((held > peak)) && peak=$held
    sleep 0.2
  done
  wait "$flood"
  # Past the line timeout (1 s), until every unfinished line came out and the output took it:
  # nothing held, and the record count steady over a second (bounded; an older binary without
  # ncxdp_decoder_memory_bytes is judged by the steady count alone).
  sleep 1.5
  local records last=-1 steady=0
  for _ in $(seq 300); do
    text=$(scrape || true)
    held=$(sum "$text" ncxdp_decoder_memory_bytes)
    ((held > peak)) && peak=$held
    records=$(sum "$text" ncxdp_records_total)
    if ((held == 0 && records == last)) && (($(sum "$text" ncxdp_sink_records_total) >= records)); then
      ((++steady >= 5)) && break
    else
      steady=0
    fi
    last=$records
    sleep 0.2
  done
  local hwm_kib
  hwm_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$RX_PID/status")
  kill -TERM "$RX_PID"
  wait "$RX_PID" || true
  RX_PID=""
  jq -nc --arg config "$config" --argjson senders "$senders" --argjson rep "$rep" --argjson chunks "$CHUNKS" \
    --argjson base_kib "$base_kib" --argjson hwm_kib "$hwm_kib" --argjson peak "$peak" \
    --argjson sent "$(cat "$SHM/flood.out")" \
    --argjson records "$(sum "$text" ncxdp_records_total)" \
    --argjson tracked_max "$(sum "$text" ncxdp_sources_active)" \
    --argjson evicted "$(sum "$text" ncxdp_sources_evicted_total)" \
    --argjson early_memory "$(sum "$text" ncxdp_pending_evicted_total 'reason="memory"')" \
    --argjson early_sources "$(sum "$text" ncxdp_pending_evicted_total 'reason="max_sources"')" \
    --argjson socket_drops "$(sum "$text" ncxdp_socket_dropped_datagrams_total)" \
    --argjson ring_drops "$(sum "$text" ncxdp_ring_dropped_records_total)" \
    '{config:$config, senders:$senders, chunks:$chunks, rep:$rep, base_rss_kib:$base_kib, peak_rss_kib:$hwm_kib,
      peak_decoder_bytes:$peak, sent:$sent, records:$records, sources_evicted:$evicted,
      early_memory:$early_memory, early_max_sources:$early_sources, socket_drops:$socket_drops,
      ring_drops:$ring_drops}' | tee -a "$results" >&2
}

for senders in $SENDERS; do
  for config in $CONFIGS; do
    for ((rep = 1; rep <= REPEAT; rep++)); do
      log "$config, $senders senders, trial $rep/$REPEAT"
      trial "$config" "$senders" "$rep"
    done
  done
done

# Medians (min-max) per configuration and sender count.
jq -rs '
  def med: sort | .[(length - 1) / 2 | floor];
  def cell(f): (map(f) | "\(med) (\(min)-\(max))");
  "| listen | senders | peak RSS MiB | decoder memory peak MiB | lines emitted early (memory / max-sources) | records / datagrams sent | socket drops | ring drops |",
  "|---|---|---|---|---|---|---|---|",
  (group_by([.config, .senders])[] |
    "| \(.[0].config) | \(.[0].senders) | \(cell(.peak_rss_kib / 1024 | floor)) | \(cell(.peak_decoder_bytes / 1048576 * 10 | floor / 10)) | \(cell(.early_memory)) / \(cell(.early_max_sources)) | \(cell(.records)) / \(.[0].sent) | \(cell(.socket_drops)) | \(cell(.ring_drops)) |")
' "$results"
