#!/usr/bin/env bash
# A mass panic that decoding and the outputs cannot keep up with, against `ncxdp attach` with
# default settings: 10,000 simulated hosts x 40 messages (410,000 datagrams with the panic
# lines) sent at 400,000/s, while the only output is a FIFO nobody reads until the burst is over.
# Every record must still come out exactly (ncxdp-storm check), none may be counted as dropped,
# and the exit summary and the metrics must show how deep the burst buffer got. The stop comes
# while the backlog is still buffered, so it also checks that SIGTERM drains everything.
# (Before the burst buffer, the capture thread decoded before recycling each frame and dropped
# records at a full pipeline ring: the stalled output filled it and the rest of the burst was lost.)
# Usage: burst_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
STORM="$BUILD/ncxdp-storm"
[[ -x $STORM ]] || fail "$STORM not built"
command -v mkfifo >/dev/null || skip "mkfifo not installed"
setup_netns
RX_MAC=$(ip -n "$RX_NS" -j link show vrx | jq -r '.[0].address')
HOSTS=10000
PER_HOST=40

# The output: a FIFO whose reader holds it open but reads nothing until $WORK/go exists. ncxdp's
# output thread then blocks in write() once the pipe's 64 KiB are full, so nothing is decoded
# faster than the pipeline ring can hold: the burst has to wait in the burst buffer.
mkfifo "$WORK/out.fifo"
OUT="$WORK/out.jsonl"
(
  for ((i = 0; i < 1200; i++)); do
    [[ -e $WORK/go ]] && break
    sleep 0.05
  done
  exec cat >"$OUT"
) <"$WORK/out.fifo" &
PIDS+=($!)

ip netns exec "$RX_NS" "$NCXDP" attach vrx --out "jsonl:$WORK/out.fifo" --metrics-textfile "$WORK/metrics.prom" -v \
  2>"$WORK/attach.err" &
RX_PID=$!
PIDS+=("$RX_PID")
wait_attached "$WORK/attach.err"

start=$(date +%s%N)
ip netns exec "$TX_NS" timeout 60 "$STORM" send --iface vtx --dst "$RX_V4" --dst-mac "$RX_MAC" \
  --src-net 10.199.64.0/18 --hosts "$HOSTS" --formats extended --scenario panic --burst "$PER_HOST" --pps 400000 \
  --quiet --manifest "$WORK/manifest.json" 2>"$WORK/send.err" ||
  fail "ncxdp-storm send failed: $(tail -2 "$WORK/send.err")"
sent=$(jq '.sent.datagrams' "$WORK/manifest.json")
[[ $sent -ge $((HOSTS * PER_HOST)) ]] || fail "sent $sent datagrams, expected at least $((HOSTS * PER_HOST))"
log "sent $sent datagrams at $(jq '.sent.offered_pps | floor' "$WORK/manifest.json")/s"

# Stop while the backlog waits, then let the output be read: everything must come out.
kill -TERM "$RX_PID"
touch "$WORK/go"
wait_exit "$RX_PID" 60
log "attach drained and exited $(( ($(date +%s%N) - start) / 1000000 )) ms after the burst started"
[[ $WAIT_RC -eq 0 ]] || fail "ncxdp attach exited $WAIT_RC: $(tail -5 "$WORK/attach.err")"
grep -E '^ncxdp attach:|^  (af_xdp|burst buffer|ring 0)' "$WORK/attach.err" >&2

CHECK=$("$STORM" check --json --manifest "$WORK/manifest.json" "$OUT") ||
  fail "not captured exactly: $CHECK ($("$STORM" check --manifest "$WORK/manifest.json" "$OUT" | head -5)); $(grep -E '^ncxdp attach:|^  (af_xdp|burst|ring)' "$WORK/attach.err")"
log "OK: $(jq -r '"\(.matched)/\(.expected) records exact, \(.hosts_exact)/\(.hosts) hosts"' <<<"$CHECK")"
got=$(sed -n 's/^ncxdp attach: \([0-9]*\) datagrams.*/\1/p' "$WORK/attach.err")
[[ $got -eq $sent ]] || fail "ncxdp counted $got datagrams, $sent were sent"
grep -q '^ncxdp attach: .* 0 dropped$' "$WORK/attach.err" || fail "drops counted: $(grep '^ncxdp attach:' "$WORK/attach.err")"

# The burst really waited in the burst buffer: the summary and the metrics say how deep it got.
line=$(grep '^  burst buffer: ' "$WORK/attach.err") || fail "no burst buffer line in the exit summary"
[[ $line =~ deepest\ ([0-9.]+)\ MiB ]] || fail "no high-water mark in: $line"
deepest=${BASH_REMATCH[1]}
awk -v d="$deepest" 'BEGIN { exit !(d >= 1) }' || fail "the burst buffer never held 1 MiB ($line): the test did not outrun decoding"
[[ $line == *" $sent datagrams, 0 dropped full, 0 dropped oversize"* ]] || fail "unexpected burst buffer line: $line"
hw=$(awk '/^ncxdp_burst_buffer_high_water_bytes\{/ { s += $2 } END { print s + 0 }' "$WORK/metrics.prom")
awk -v h="$hw" 'BEGIN { exit !(h >= 1048576) }' || fail "metrics high-water mark $hw bytes"
drops=$(awk '/^ncxdp_(burst_buffer_dropped_datagrams|ring_dropped_records|xsk_dropped_frames)_total\{/ { s += $2 } END { print s + 0 }' "$WORK/metrics.prom")
[[ $drops == 0 ]] || fail "metrics count $drops drops"
log "OK: burst buffer deepest $deepest MiB, metrics high water $hw bytes, no drop counted anywhere"
# -v names the default: 64 MiB split over the veth's RX queues.
grep -Eq 'burst buffer (64|32|16) MiB per queue' "$WORK/attach.err" ||
  fail "-v does not show the default burst buffer: $(head -1 "$WORK/attach.err")"
