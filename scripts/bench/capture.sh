#!/usr/bin/env bash
# Capture-path benchmarks: every receiver in the same run, with the same traffic (ncxdp-storm) and
# the same one-core layout. Results go to OUT/capture.jsonl (one JSON object per trial or storm
# run); scripts/bench/report.py turns them into the table and the plot of docs/benchmarks.md.
#
#   capture.sh BUILD_DIR OUT_DIR
#
# Layout (docs/benchmarks.md explains why): two namespaces joined by a veth pair. The receiving
# veth runs threaded NAPI (GRO on, TSO off on the peer), and its NAPI thread and the receiver share
# CPU 1; the generator has CPU 0. Each receiver is started fresh for each trial. Receivers:
#   attach    ncxdp attach (XDP + AF_XDP), decoding into jsonl on tmpfs
#   listen    ncxdp listen (recvmmsg), decoding into jsonl on tmpfs
#   recvfrom  tests/tools/udp_count.cpp: one socket, one recvfrom per datagram, counts only
#   afxdp     tests/tools/xsk_count.cpp: bare AF_XDP loop (same program and rings), counts only
#   netconsd  only when found on PATH (it is never vendored)
# Environment: BENCH_WINDOW (seconds per trial, default 2), BENCH_RECEIVERS (default all),
# BENCH_PAYLOADS (default "100 1000"), BENCH_STORM_HOSTS (10000), BENCH_STORM_BURST (100),
# BENCH_SEARCH_STEPS (bisection steps after the doubling phase, default 4), BENCH_SCHED (other, the
# default, or fifo; below), BENCH_REPEAT (3), BENCH_STORM_ONLY (0), BENCH_LOSS_TOLERANCE (default 0.0001, below),
# BENCH_WARMUP (seconds of traffic from other sources before each storm, default 1; its losses are
# reported as startup loss, apart from the storm's), BENCH_WARMUP_PPS (100000), BENCH_ATTACH_ARGS.
#
# Zero loss: this shared VM loses about 1 frame in 20,000 in veth's 256-frame NAPI ring at any
# rate, even to the bare AF_XDP loop at 50,000/s (the NAPI thread is delayed a few milliseconds
# by something outside the benchmark). A trial therefore counts as lossless when at most
# BENCH_LOSS_TOLERANCE of its datagrams are missing, and a failed search trial is repeated once.
# On a quiet machine set BENCH_LOSS_TOLERANCE=0 for the strict definition.
#
# Scheduling (BENCH_SCHED): `other` (the default) is what a user runs: no pinning, no real-time
# priorities. `fifo` is the pinned one-core layout: receiver and the veth NAPI thread on CPU 1,
# generator on CPU 0; the NAPI thread runs SCHED_FIFO 3 (it stands in for softirq, which runs
# above every user thread), every receiver SCHED_FIFO 2, the generator SCHED_FIFO 1. Note that
# ncxdp's sink thread steps down to FIFO 1 while its rings are not filling
# (user/pipeline/SinkPriority.h), i.e. below the receivers' priority.
# BENCH_REPEAT (default 3): every storm and every fixed-rate trial (confirmation at the lossless
# rate, 1.5x and 2x overload, the common rates of BENCH_COMMON_RATES, default "200000 500000
# 1000000", and flat out) runs that many times per receiver; report.py gives medians and min-max. BENCH_STORM_ONLY=1 skips the rate searches. Each storm line records the
# veth drop counters and ncxdp's -v exit summary (fill ring empty, burst buffer full, socket
# drops, ring full) so that every lost record is attributed to a counter. Each trial line has
# `short`: true when the generator offered less than 90% of the target rate, and
# `threads_cpu_s`: the receiver's CPU time per thread name (ncxdp's threads are named by stage),
# from which report.py prints the cost split.
set -euo pipefail
build=$(cd "${1:?usage: capture.sh BUILD_DIR OUT_DIR}" && pwd)
out=${2:?usage: capture.sh BUILD_DIR OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
results=$out/capture.jsonl
: >"$results"

WINDOW=${BENCH_WINDOW:-2}
RECEIVERS=${BENCH_RECEIVERS:-"attach listen recvfrom afxdp netconsd"}
PAYLOADS=${BENCH_PAYLOADS:-"100 1000"}
STORM_HOSTS=${BENCH_STORM_HOSTS:-10000}
STORM_BURST=${BENCH_STORM_BURST:-100}
SEARCH_STEPS=${BENCH_SEARCH_STEPS:-4}
SCHED=${BENCH_SCHED:-other}
TOLERANCE=${BENCH_LOSS_TOLERANCE:-0.0001}
REPEAT=${BENCH_REPEAT:-3}        # every storm is run REPEAT times; report.py gives medians and min-max
STORM_ONLY=${BENCH_STORM_ONLY:-0} # 1: only the storm (skips the rate searches)
COMMON_RATES=${BENCH_COMMON_RATES:-"200000 500000 1000000"} # every receiver at these same rates
WARMUP=${BENCH_WARMUP:-1}          # seconds of warm-up traffic before each storm (0: none)
WARMUP_PPS=${BENCH_WARMUP_PPS:-100000}
case $SCHED in
  # NAPI stands in for softirq, which runs above every user thread: highest. Every receiver at
  # the same priority below it.
  fifo) RX_PRIO=(chrt -f 2) TX_PRIO=(chrt -f 1) NAPI_PRIO=(chrt -f -p 3) ;;
  # other: what a user runs: no pinning, no priorities (the default).
  other) RX_PRIO=() TX_PRIO=() NAPI_PRIO=() ;;
  *) echo "bench: BENCH_SCHED must be fifo or other" >&2; exit 1 ;;
esac
FLAT_HOSTS=256
MAX_PPS=2400000  # above what the generator reaches here: the doubling phase stops at or before it
RX_CPU=1
TX_CPU=0
if [[ $SCHED == fifo ]]; then RX_PIN=(taskset -c "$RX_CPU") TX_PIN=(taskset -c "$TX_CPU"); else RX_PIN=() TX_PIN=(); fi

NCXDP=$build/ncxdp
STORM=$build/ncxdp-storm
XSK_COUNT=$build/xsk_count
UDP_COUNT=$build/udp_count
for bin in "$NCXDP" "$STORM" "$XSK_COUNT" "$UDP_COUNT"; do
  [[ -x $bin ]] || { echo "bench: $bin is not built (run: make build)" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "bench: capture benchmarks need root for network namespaces (sudo make bench)" >&2; exit 1; }
[[ $(nproc) -ge 2 ]] || { echo "bench: the one-core layout needs 2 CPUs, this machine has $(nproc)" >&2; exit 1; }
for tool in ethtool taskset jq; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (run: sudo make deps)" >&2; exit 1; }
done

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

RXDEV=stormrx
TXDEV=stormtx
RX_ADDR=10.198.0.1
source "$(dirname "$0")/netns.sh"
bench_netns storm-bench "$RXDEV" "$TXDEV"
ip -n "$RX" addr add "$RX_ADDR/16" dev "$RXDEV"
ip -n "$RX" link set "$RXDEV" up
ip -n "$TX" link set "$TXDEV" up
# A receiver with a core of its own: veth's NAPI (and XDP) in a kernel thread instead of on the
# sender's CPU, which needs GRO on the receiving side; TSO off so the peer sends frames as built.
ip netns exec "$RX" ethtool -K "$RXDEV" gro on >/dev/null
# BENCH_NAPI: threaded (a NAPI kernel thread, given the layout's priority) or softirq (the kernel's
# default, as for a real NIC: NAPI runs in softirq above every user thread). Default: threaded in
# the pinned layout (it needs a thread to pin), softirq in the user layout (what a user runs).
NAPI=${BENCH_NAPI:-$([[ $SCHED == fifo ]] && echo threaded || echo softirq)}
[[ $NAPI == threaded ]] && ip netns exec "$RX" sh -c "echo 1 > /sys/class/net/$RXDEV/threaded"
ip netns exec "$TX" ethtool -K "$TXDEV" tso off >/dev/null
RX_MAC=$(ip -n "$RX" -j link show "$RXDEV" | jq -r '.[0].address')
for _ in $(seq 50); do ip -n "$RX" -o link show "$RXDEV" | grep -q LOWER_UP && break; sleep 0.1; done

# The NAPI thread(s) of the receiving veth (the XDP attach can create a new one): pinned next to
# the receiver and given the receiver's priority.
pin_napi() {
  [[ $SCHED == fifo ]] || return 0
  local pid
  for pid in $(ps -e -o pid=,comm= | awk -v d="napi/$RXDEV-" 'index($2, d) == 1 {print $1}'); do
    taskset -pc "$RX_CPU" "$pid" >/dev/null
    "${NAPI_PRIO[@]}" "$pid" >/dev/null
  done
}
napi_ticks() {
  local pid total=0
  for pid in $(ps -e -o pid=,comm= | awk -v d="napi/$RXDEV-" 'index($2, d) == 1 {print $1}'); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# thread_ticks PID: "NAME TICKS" per thread. ncxdp names its threads by stage (ncxdp-xsk/Q takes
# frames off RX queue Q, ncxdp-decode/Q decodes them, ncxdp-recv/N reads and decodes a socket,
# ncxdp-sink writes the outputs), so the difference of two of these is the cost split by stage.
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(tr ' ' '_' <"$t/comm" 2>/dev/null)" "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null)"
  done 2>/dev/null || true
}
# thread_delta BEFORE AFTER: a JSON object of CPU ticks per thread name spent in between.
thread_delta() {
  awk 'NR == FNR { a[$1] += $2; next } { b[$1] += $2 } END {
    printf "{"; sep = ""; for (n in b) { printf "%s\"%s\":%d", sep, n, b[n] - a[n]; sep = "," } printf "}" }' \
    <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}
proc_hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
link_drops() {
  # veth drops on both ends: the receiving NAPI's ring (tx side) and the receiving device.
  local a b
  a=$(ip -n "$TX" -j -s link show "$TXDEV" | jq '.[0].stats64.tx.dropped')
  b=$(ip -n "$RX" -j -s link show "$RXDEV" | jq '.[0].stats64.rx.dropped')
  echo $((a + b))
}
TICK=$(getconf CLK_TCK)

# start_receiver KIND: starts it in the rx namespace on RX_CPU, waits until it is ready.
start_receiver() {
  local kind=$1
  rm -f "$SHM/out.jsonl" "$SHM/rx.err" "$SHM/rx.out"
  local cmd
  case $kind in
    # BENCH_ATTACH_ARGS: extra options for attach (e.g. "--xsk-ring 8192" to compare settings).
    # shellcheck disable=SC2206
    attach) cmd=("$NCXDP" attach "$RXDEV" --port 6666 --out "jsonl:$SHM/out.jsonl" -v ${BENCH_ATTACH_ARGS:-}) ;;
    listen) cmd=("$NCXDP" listen --port 6666 --out "jsonl:$SHM/out.jsonl" -v) ;;
    recvfrom) cmd=("$UDP_COUNT" --port 6666) ;;
    afxdp) cmd=("$XSK_COUNT" "$RXDEV" --port 6666) ;;
    # One worker, one listener (its defaults are 2 and 1), printing with its own printer module.
    netconsd) cmd=(netconsd -w 1 -l 1 -u 6666 "$NETCONSD_MODULE") ;;
    *) echo "bench: unknown receiver $kind" >&2; exit 1 ;;
  esac
  ip netns exec "$RX" "${RX_PRIO[@]}" "${RX_PIN[@]}" "${cmd[@]}" >"$SHM/rx.out" 2>"$SHM/rx.err" &
  RX_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    grep -qE 'AF_XDP|receive buffer|ready' "$SHM/rx.err" 2>/dev/null && break
    # netconsd says nothing when ready: its socket is.
    [[ $kind == netconsd ]] && ip netns exec "$RX" ss -Hlun 'sport = :6666' | grep -q . && break
    kill -0 "$RX_PID" 2>/dev/null || { echo "bench: $kind exited: $(cat "$SHM/rx.err")" >&2; exit 1; }
    sleep 0.05
  done
  pin_napi
}

# stop_receiver KIND: SIGTERM, wait; sets DELIVERED (records or datagrams), RSS_KB, DRAIN_S.
stop_receiver() {
  local kind=$1 t0 t1
  # The kernel's drop count of the receiving UDP sockets (port 6666 = 1A0A, last column of
  # /proc/net/udp{,6}): a full receive buffer, for the socket receivers (netconsd, recvfrom, listen).
  SOCK_DROPS=$(ip netns exec "$RX" cat /proc/net/udp /proc/net/udp6 | awk '$2 ~ /:1A0A$/ { s += $NF } END { print s + 0 }')
  RSS_KB=$(proc_hwm_kb "$RX_PID")
  t0=$(date +%s.%N)
  kill -TERM "$RX_PID"
  while kill -0 "$RX_PID" 2>/dev/null; do
    local h
    h=$(proc_hwm_kb "$RX_PID")
    ((h > RSS_KB)) && RSS_KB=$h
    sleep 0.02
  done
  wait "$RX_PID" || { echo "bench: $kind failed: $(tail -3 "$SHM/rx.err")" >&2; exit 1; }
  t1=$(date +%s.%N)
  RX_PID=""
  DRAIN_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  case $kind in
    # Messages that reached the file; gap events (written when something was lost) do not count.
    # Only the generator's sources (10.199/16), not the warm-up's (10.197/16).
    attach | listen) DELIVERED=$(grep -v '"event":' "$SHM/out.jsonl" | grep -c '"src":"10\.199\.' || true) ;;
    # printer.so prints one line per message ("ADDR: VERSION S<seq> T<ts> F<f>/L<l> text"); only
    # the generator's sources (10.199/16) count, not the warm-up's (10.197/16).
    netconsd) DELIVERED=$(grep -Ec '::ffff:10\.199\.[0-9.]+: .* S[0-9]{6,} T[0-9]{14,} F' "$SHM/rx.out" || true) ;;
    *) DELIVERED=$(jq '.received' "$SHM/rx.out") ;;
  esac
  [[ -n $DELIVERED ]] || { echo "bench: no count from $kind: $(cat "$SHM/rx.err")" >&2; exit 1; }
}

# trial KIND PAYLOAD PPS PHASE: one window of flat traffic at PPS (0 = flat out); appends a result
# line and sets ZERO_LOSS=1 when every datagram was delivered at (nearly) the target rate.
trial() {
  local kind=$1 payload=$2 pps=$3 phase=$4
  start_receiver "$kind"
  # The startup loss is measured in the warm-up, apart from the counted window.
  warm_up
  local drops0 napi0 cpu0
  drops0=$(link_drops)
  napi0=$(napi_ticks)
  cpu0=$(proc_ticks "$RX_PID")
  local threads0
  threads0=$(thread_ticks "$RX_PID")
  ip netns exec "$TX" "${TX_PRIO[@]}" "${TX_PIN[@]}" "$STORM" send --iface "$TXDEV" --dst "$RX_ADDR" \
    --dst-mac "$RX_MAC" --hosts "$FLAT_HOSTS" --formats extended --scenario flat --payload "$payload" \
    --pps "$pps" --duration "$WINDOW" --quiet --manifest "$SHM/m.json" 2>>"$SHM/gen.err" ||
    { echo "bench: generator failed: $(tail -2 "$SHM/gen.err")" >&2; exit 1; }
  # Let the receiver catch up with what is queued, then take its CPU time before stopping it.
  sleep 0.5
  local cpu napi threads
  cpu=$(($(proc_ticks "$RX_PID") - cpu0))
  napi=$(($(napi_ticks) - napi0))
  threads=$(thread_delta "$threads0" "$(thread_ticks "$RX_PID")")
  stop_receiver "$kind"
  # Counting receivers counted the warm-up too.
  [[ $kind == recvfrom || $kind == afxdp ]] && DELIVERED=$((DELIVERED - (WARM_SENT - WARM_DROPS)))
  local drops sent offered
  drops=$(($(link_drops) - drops0))
  sent=$(jq '.sent.datagrams' "$SHM/m.json")
  offered=$(jq '.sent.offered_pps' "$SHM/m.json")
  ZERO_LOSS=0
  if awk -v d="$DELIVERED" -v s="$sent" -v t="$TOLERANCE" 'BEGIN {exit !(s - d <= t * s)}'; then ZERO_LOSS=1; fi
  # What the search counts is the rate really offered: the generator can fall short of the target
  # when its own core is busy, and then the trial only proves the lower rate.
  OFFERED=${offered%.*}
  jq -nc --arg receiver "$kind" --argjson payload "$payload" --argjson target "$pps" --arg phase "$phase" \
    --argjson sent "$sent" --argjson offered "$offered" --argjson delivered "$DELIVERED" \
    --argjson window "$WINDOW" --argjson link_drops "$drops" --argjson cpu_ticks "$cpu" \
    --argjson napi_ticks "$napi" --argjson tick "$TICK" --argjson rss_kb "$RSS_KB" --argjson zero "$ZERO_LOSS" \
    --argjson warm_drops "$WARM_DROPS" --argjson sock_drops "$SOCK_DROPS" --argjson threads "$threads" \
    '{kind:"trial", threads_cpu_s:($threads | map_values(. / $tick)), receiver:$receiver, warmup_link_drops:$warm_drops, socket_drops:$sock_drops, payload:$payload, phase:$phase, target_pps:$target, sent:$sent,
      offered_pps:$offered, delivered:$delivered, delivered_pps:($delivered / ($sent / $offered)),
      short:($target > 0 and $offered < 0.9 * $target), loss:($sent - $delivered), loss_pct:(100 * ($sent - $delivered) / $sent), link_drops:$link_drops, zero_loss:($zero == 1),
      cpu_s:($cpu_ticks / $tick), napi_cpu_s:($napi_ticks / $tick), rss_kb:$rss_kb}' >>"$results"
  rm -f "$SHM/out.jsonl"
  log "$(printf '%-8s %4dB target %8s offered %9.0f/s delivered %9s/%-9s %s' "$kind" "$payload" "$pps" \
    "$offered" "$DELIVERED" "$sent" "$([[ $ZERO_LOSS == 1 ]] && echo lossless || echo LOSS)")"
}

# search_trial KIND PAYLOAD RATE: one search trial, repeated once when it loses.
search_trial() {
  trial "$1" "$2" "$3" search
  ((ZERO_LOSS)) || trial "$1" "$2" "$3" search-retry
}

# search KIND PAYLOAD: doubling from 100k/s until loss, then geometric bisection over targets;
# prints the highest rate actually offered in a lossless trial. The doubling also stops when the
# generator cannot reach the target any more (it is then the limit, not the receiver).
search() {
  local kind=$1 payload=$2 ok=0 best=0 bad=0 rate=100000 i
  while ((rate <= MAX_PPS)); do
    search_trial "$kind" "$payload" "$rate"
    if ((ZERO_LOSS)); then
      ok=$rate
      ((OFFERED > best)) && best=$OFFERED
      ((OFFERED * 10 < rate * 9)) && { echo "$best"; return; }
      rate=$((rate * 2))
    else
      bad=$rate
      break
    fi
  done
  if ((bad == 0)); then echo "$best"; return; fi
  for ((i = 0; i < SEARCH_STEPS; i++)); do
    if ((ok == 0)); then rate=$((bad / 2)); else rate=$(awk -v a="$ok" -v b="$bad" 'BEGIN {printf "%d", sqrt(a * b)}'); fi
    rate=$(((rate + 5000) / 10000 * 10000))
    ((rate == ok || rate == bad || rate <= 0)) && break
    search_trial "$kind" "$payload" "$rate"
    if ((ZERO_LOSS)); then
      ok=$rate
      ((OFFERED > best)) && best=$OFFERED
    else
      bad=$rate
    fi
  done
  echo "$best"
}

# warm_up: WARMUP seconds of flat traffic from other sources (10.197.0.0/16, not in the storm's
# manifest, so the checker ignores them) before the counted window. A fresh receiver and a fresh
# XDP attach lose frames in the first instant of traffic (veth's NAPI ring); that startup loss
# is measured here, apart from the storm. Sets WARM_SENT and WARM_DROPS.
warm_up() {
  WARM_SENT=0 WARM_DROPS=0
  [[ $WARMUP != 0 ]] || return 0
  local d0
  d0=$(link_drops)
  ip netns exec "$TX" "${TX_PRIO[@]}" "${TX_PIN[@]}" "$STORM" send --iface "$TXDEV" --dst "$RX_ADDR" \
    --dst-mac "$RX_MAC" --src-net 10.197.0.0/16 --hosts "$FLAT_HOSTS" --formats extended --scenario flat \
    --payload 100 --pps "$WARMUP_PPS" --duration "$WARMUP" --quiet --manifest "$SHM/warm.json" 2>>"$SHM/gen.err" ||
    { echo "bench: warm-up generator failed: $(tail -2 "$SHM/gen.err")" >&2; exit 1; }
  sleep 0.3
  WARM_SENT=$(jq '.sent.datagrams' "$SHM/warm.json")
  WARM_DROPS=$(($(link_drops) - d0))
}

# storm KIND: the mass panic: STORM_HOSTS hosts x STORM_BURST messages, all within 2 s.
storm() {
  local kind=$1 rep=${2:-1}
  start_receiver "$kind"
  warm_up
  local napi0 cpu0 drops0
  drops0=$(link_drops)
  napi0=$(napi_ticks)
  cpu0=$(proc_ticks "$RX_PID")
  ip netns exec "$TX" "${TX_PRIO[@]}" "${TX_PIN[@]}" "$STORM" send --iface "$TXDEV" --dst "$RX_ADDR" \
    --dst-mac "$RX_MAC" --hosts "$STORM_HOSTS" --formats extended --scenario panic --burst "$STORM_BURST" \
    --pps "$STORM_PPS" --duration 30 --quiet --manifest "$SHM/storm.json" 2>>"$SHM/gen.err" ||
    { echo "bench: generator failed: $(tail -2 "$SHM/gen.err")" >&2; exit 1; }
  local cpu napi
  cpu=$(($(proc_ticks "$RX_PID") - cpu0))
  stop_receiver "$kind"
  napi=$(($(napi_ticks) - napi0))
  local drops summary
  drops=$(($(link_drops) - drops0))
  # Attribution: ncxdp's exit summary (-v) names every counter that lost something.
  summary=$({ grep -iE 'dropped|full|lost|empty|gap|buffer' "$SHM/rx.err" || true; } | tail -8 | jq -Rs . )
  local sent records elapsed check="{}"
  sent=$(jq '.sent.datagrams' "$SHM/storm.json")
  records=$(jq '.sent.records' "$SHM/storm.json")
  elapsed=$(jq '.sent.elapsed_s' "$SHM/storm.json")
  if [[ $kind == netconsd ]]; then
    : # printed lines of the storm's sources only (stop_receiver); no exactness check
  elif [[ $kind == attach || $kind == listen ]]; then
    # Exact per record against the manifest; the warm-up's sources are not in it (unknown_sources).
    check=$("$STORM" check --json --manifest "$SHM/storm.json" "$SHM/out.jsonl" || true)
  else
    # Counting receivers count the warm-up too: what they got of it is taken off.
    DELIVERED=$((DELIVERED - (WARM_SENT - WARM_DROPS)))
  fi
  jq -nc --arg receiver "$kind" --argjson sent "$sent" --argjson records "$records" --argjson elapsed "$elapsed" \
    --argjson delivered "$DELIVERED" --argjson drain "$DRAIN_S" --argjson rss_kb "$RSS_KB" \
    --argjson cpu_ticks "$cpu" --argjson napi_ticks "$napi" --argjson tick "$TICK" --argjson check "$check" \
    --argjson hosts "$STORM_HOSTS" --argjson burst "$STORM_BURST" \
    --arg sched "$SCHED" --argjson rep "$rep" --argjson link_drops "$drops" --argjson summary "$summary" \
    --argjson warm_sent "$WARM_SENT" --argjson warm_drops "$WARM_DROPS" --argjson sock_drops "$SOCK_DROPS" \
    '{kind:"storm", sched:$sched, rep:$rep, link_drops:$link_drops, socket_drops:$sock_drops, warmup_sent:$warm_sent, warmup_link_drops:$warm_drops, rx_summary:$summary, receiver:$receiver, hosts:$hosts, burst:$burst, datagrams:$sent, records:$records,
      send_s:$elapsed, delivered:$delivered, drain_s:$drain, rss_kb:$rss_kb, cpu_s:($cpu_ticks / $tick),
      napi_cpu_s:($napi_ticks / $tick), check:$check,
      captured_pct:(if $check.captured_pct then $check.captured_pct elif $receiver == "netconsd" then (100 * $delivered / $records) else (100 * $delivered / $sent) end)}' >>"$results"
  rm -f "$SHM/out.jsonl"
  log "storm $kind: $(tail -1 "$results" | jq -r '"\(.captured_pct * 1000 | round / 1000)% captured (link drops: \(.warmup_link_drops) in warm-up, \(.link_drops) in the storm), drain \(.drain_s * 100 | round / 100) s, peak RSS \(.rss_kb / 1024 | round) MiB"')"
}

receivers=()
for r in $RECEIVERS; do
  if [[ $r == netconsd ]]; then
    # Measured with its own printer module (NETCONSD_MODULE=/path/to/printer.so): the harness
    # counts the lines it prints. It is never vendored or built here.
    measured=false
    if ! command -v netconsd >/dev/null; then
      log "netconsd is not on PATH: not measured (it is never vendored)"
    elif [[ ! -f ${NETCONSD_MODULE:-} ]]; then
      log "netconsd found at $(command -v netconsd), but NETCONSD_MODULE does not name its printer.so: not measured"
    else
      log "netconsd: $(command -v netconsd) with $NETCONSD_MODULE (-w 1 -l 1), counting printed lines"
      measured=true
    fi
    jq -nc --arg path "$(command -v netconsd || true)" --arg mod "${NETCONSD_MODULE:-}" --argjson measured $measured \
      '{kind:"note", receiver:"netconsd", found:($path != ""), path:$path, module:$mod, measured:$measured}' >>"$results"
    $measured || continue
  fi
  receivers+=("$r")
done

jq -nc --arg uptime "$(uptime)" --arg cpu "$(lscpu | sed -n 's/^Model name: *//p')" --arg kernel "$(uname -r)" \
  --argjson nproc "$(nproc)" --argjson window "$WINDOW" --arg sched "$SCHED" \
  --argjson tolerance "$TOLERANCE" --argjson rmem "$(ip netns exec "$RX" cat /proc/sys/net/core/rmem_default)" \
  --arg napi "$NAPI" '{kind:"machine", uptime:$uptime, napi:$napi,
  socket_buffers:{listen_bytes:67108864, others_bytes:$rmem, note:"listen asks for 64 MiB (SO_RCVBUFFORCE); recvfrom and netconsd keep net.core.rmem_default, which a namespace cannot raise (the sysctl is the host'"'"'s)"},
  cpu:$cpu, kernel:$kernel, nproc:$nproc, window_s:$window, sched:$sched, loss_tolerance:$tolerance}' >>"$results"
log "layout: $RXDEV ($NAPI NAPI) + receiver on CPU $RX_CPU, generator on CPU $TX_CPU, scheduling $SCHED; window ${WINDOW}s; load: $(uptime | sed 's/.*load/load/')"

declare -A ZL
((STORM_ONLY)) && PAYLOADS=""
for payload in $PAYLOADS; do
  for r in "${receivers[@]}"; do
    log "zero-loss search: $r, ${payload}-byte payloads"
    ZL[$r.$payload]=$(search "$r" "$payload")
    log "zero-loss $r ${payload}B: ${ZL[$r.$payload]}/s (search)"
  done
  # Every fixed-rate trial below runs REPEAT times, receivers interleaved within each repeat so
  # that a noisy minute hits all of them alike; report.py gives medians and min-max.
  #   confirm        at the rate the search found: the lossless rate counts when most repeats
  #                  are lossless (the search itself is one trial per point, retried once)
  #   overload-1.5x, overload-2x   at multiples of each receiver's own lossless rate
  #   at-attach-2x   listen at 2x attach's lossless rate; at-netconsd-2x: attach at 2x netconsd's
#   common-RATE    every receiver at the same offered rates (COMMON_RATES), so receivers are
  #                  compared at equal load, not only at their own multiples
  #   flat-out       as fast as the generator goes
  for ((rep = 1; rep <= REPEAT; rep++)); do
    for r in "${receivers[@]}"; do
      zl=${ZL[$r.$payload]}
      ((zl > 0)) || continue
      trial "$r" "$payload" "$zl" confirm
    done
  done
  for r in "${receivers[@]}"; do
    jq -nc --arg receiver "$r" --argjson payload "$payload" --argjson pps "${ZL[$r.$payload]}" \
      '{kind:"zero_loss", receiver:$receiver, payload:$payload, pps:$pps}' >>"$results"
  done
  for ((rep = 1; rep <= REPEAT; rep++)); do
    for r in "${receivers[@]}"; do
      zl=${ZL[$r.$payload]}
      ((zl > 0)) || continue
      trial "$r" "$payload" $((zl * 3 / 2 / 1000 * 1000)) overload-1.5x
      trial "$r" "$payload" $((zl * 2 / 1000 * 1000)) overload-2x
    done
    # The issue-12 comparisons at one offered rate: listen at 2x attach's lossless rate, attach
    # at 2x netconsd's.
    za=${ZL[attach.$payload]:-0}
    zn=${ZL[netconsd.$payload]:-0}
    if ((za > 0)) && [[ " ${receivers[*]} " == *" listen "* ]]; then
      trial listen "$payload" $((za * 2 / 1000 * 1000)) at-attach-2x
    fi
    if ((zn > 0)) && [[ " ${receivers[*]} " == *" attach "* ]]; then
      trial attach "$payload" $((zn * 2 / 1000 * 1000)) at-netconsd-2x
    fi
    for rate in $COMMON_RATES; do
      for r in "${receivers[@]}"; do trial "$r" "$payload" "$rate" "common-$rate"; done
    done
    for r in "${receivers[@]}"; do trial "$r" "$payload" 0 flat-out; done
  done
done

log "mass-panic storm: $STORM_HOSTS hosts x $STORM_BURST messages within 2 s"
# Each host's burst is STORM_BURST messages, one of them ("Modules linked in") two datagrams long:
# all of it within 2 seconds.
STORM_PPS=$((STORM_HOSTS * (STORM_BURST + 1) / 2))
for ((rep = 1; rep <= REPEAT; rep++)); do
  for r in "${receivers[@]}"; do storm "$r" "$rep"; done
done
jq -nc --arg uptime "$(uptime)" '{kind:"machine_end", uptime:$uptime}' >>"$results"
log "done: $results"
