#!/usr/bin/env bash
# `ncxdp listen` end to end: two network namespaces joined by veth, nc_send in one sending plain,
# extended and fragmented (ncfrag) messages over IPv4 and IPv6 from many source ports to two
# listening ports, ncxdp in the other writing jsonl. The output must equal, record for record
# and in per-source order, what nc_send says it sent. Also: SIGHUP reopens the output (logrotate),
# SIGTERM exits 0 after flushing, and a port in use fails with one clear line.
# Usage: listen_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
setup_netns

OUT="$WORK/listen.jsonl"
ip netns exec "$RX_NS" "$NCXDP" listen --port 6666 --port 6667 --threads 2 --out "jsonl:$OUT" -v \
  2>"$WORK/listen.err" &
RX_PID=$!
PIDS+=("$RX_PID")
wait_udp_listener "$RX_NS" 6666
wait_udp_listener "$RX_NS" 6667

# --- a second receiver on the same port must refuse, with one line and exit 1 ---
rc=0
ip netns exec "$RX_NS" timeout 10 "$NCXDP" listen --port 6666 --out "jsonl:$WORK/second.jsonl" \
  2>"$WORK/second.err" || rc=$?
[[ $rc -eq 1 ]] || fail "second listener on 6666: exit $rc, expected 1"
grep -qx 'ncxdp listen: cannot bind \[::\]:6666: Address already in use (is another receiver running? pick another --port)' \
  "$WORK/second.err" || fail "second listener: unexpected message: $(cat "$WORK/second.err")"
[[ $(wc -l <"$WORK/second.err") -eq 1 ]] || fail "second listener printed more than one line"
# Same with several threads (the SO_REUSEPORT group must not silently admit a second receiver).
rc=0
ip netns exec "$RX_NS" timeout 10 "$NCXDP" listen --port 6667 --threads 3 --out "jsonl:$WORK/third.jsonl" \
  2>"$WORK/third.err" || rc=$?
[[ $rc -eq 1 ]] || fail "second 3-thread listener on 6667: exit $rc, expected 1"
grep -q 'cannot bind \[::\]:6667: Address already in use' "$WORK/third.err" ||
  fail "3-thread listener: unexpected message: $(cat "$WORK/third.err")"
log "OK: port in use is refused"

send() {
  local name=$1
  shift
  ip netns exec "$TX_NS" timeout 60 "$NC_SEND" --pps 20000 --expect "$WORK/$name.expect" "$@" \
    2>>"$WORK/nc_send.err" || fail "nc_send $name failed: $(tail -1 "$WORK/nc_send.err")"
}

# --- phase 1: IPv4 to 6666, IPv6 to 6667, 16 sources, mixed formats ---
send v4mixed --to "$RX_V4:6666" gen --src "${TX_V4[0]}" --src "${TX_V4[1]}" --src-ports 7000-7003 \
  --count 70 --format mixed
send v6mixed --to "[$RX_V6]:6667" gen --src "${TX_V6[0]}" --src "${TX_V6[1]}" --src-ports 7100-7103 \
  --count 70 --format mixed
cat "$WORK/v4mixed.expect" "$WORK/v6mixed.expect" >"$WORK/phase1.expect"
wait_lines "$OUT" "$(wc -l <"$WORK/phase1.expect")" 20 || fail "phase 1 records missing"

# --- logrotate: move the file away, SIGHUP, the listener starts a new one ---
mv "$OUT" "$OUT.1"
kill -HUP "$RX_PID"
for ((i = 0; i < 100; i++)); do
  [[ -e "$OUT" ]] && break
  sleep 0.05
done
[[ -e "$OUT" ]] || fail "SIGHUP did not reopen $OUT"
kill -0 "$RX_PID" || fail "listener died on SIGHUP"

# --- phase 2: the other family on each port (dual-stack sockets), one format each ---
send v4ext --to "$RX_V4:6667" gen --src "${TX_V4[0]}" --src-ports 7200-7201 --count 220 --format extended
send v6plain --to "[$RX_V6]:6666" gen --src "${TX_V6[1]}" --src-ports 7300-7301 --count 220 --format plain
cat "$WORK/v4ext.expect" "$WORK/v6plain.expect" >"$WORK/phase2.expect"
wait_lines "$OUT" "$(wc -l <"$WORK/phase2.expect")" 20 || fail "phase 2 records missing"

kill -TERM "$RX_PID"
wait_exit "$RX_PID" 20
[[ $WAIT_RC -eq 0 ]] || fail "ncxdp listen exited $WAIT_RC after SIGTERM: $(cat "$WORK/listen.err")"

# --- phase 3: listeners bound to one IPv4 / one IPv6 address. Datagrams queued in the socket
# while the receiver is stopped (SIGSTOP) must all be decoded after SIGTERM: what the kernel
# accepted is never lost on shutdown. SIGINT exits 0 as well. ---
OUT4="$WORK/bound4.jsonl"
OUT6="$WORK/bound6.jsonl"
ip netns exec "$RX_NS" "$NCXDP" listen --bind "$RX_V4" --port 6670 --out "jsonl:$OUT4" 2>"$WORK/bound4.err" &
B4_PID=$!
PIDS+=("$B4_PID")
ip netns exec "$RX_NS" "$NCXDP" listen --bind "$RX_V6" --port 6671 --threads 2 --out "jsonl:$OUT6" \
  2>"$WORK/bound6.err" &
B6_PID=$!
PIDS+=("$B6_PID")
wait_udp_listener "$RX_NS" 6670
wait_udp_listener "$RX_NS" 6671

kill -STOP "$B4_PID"
send bound4 --to "$RX_V4:6670" gen --src "${TX_V4[1]}" --src-ports 7400-7401 --count 60 --format mixed
# Bounded wait until the socket's receive queue has stopped growing (all datagrams delivered).
prev=-1
for ((i = 0; i < 100; i++)); do
  q=$(ip netns exec "$RX_NS" ss -Hlun "sport = :6670" | awk '{print $2}')
  [[ "$q" -gt 0 && "$q" == "$prev" ]] && break
  prev=$q
  sleep 0.1
done
[[ "$q" -gt 0 ]] || fail "datagrams did not queue on the stopped listener"
kill -TERM "$B4_PID"
kill -CONT "$B4_PID"
wait_exit "$B4_PID" 20
[[ $WAIT_RC -eq 0 ]] || fail "bound IPv4 listener exited $WAIT_RC: $(cat "$WORK/bound4.err")"
compare_records "$OUT4" "$WORK/bound4.expect" || fail "queued datagrams lost at shutdown"

send bound6 --to "[$RX_V6]:6671" gen --src "${TX_V6[0]}" --src "${TX_V6[1]}" --src-ports 7500-7501 --count 30 \
  --format mixed
wait_lines "$OUT6" "$(wc -l <"$WORK/bound6.expect")" 20 || fail "bound IPv6 listener records missing"
kill -INT "$B6_PID"
wait_exit "$B6_PID" 20
[[ $WAIT_RC -eq 0 ]] || fail "bound IPv6 listener exited $WAIT_RC after SIGINT: $(cat "$WORK/bound6.err")"
compare_records "$OUT6" "$WORK/bound6.expect" || fail "bound IPv6 listener output differs"

sent=$(head -4 "$WORK/nc_send.err" | grep -o '[0-9]* datagrams sent' | awk '{s += $1} END {print s}')
log "nc_send sent $sent datagrams"
((sent >= 1900)) || fail "expected about 2000 datagrams, sent $sent"
grep -q "^ncxdp listen: $sent datagrams, .* 0 gaps (0 missing), 0 incomplete, 0 dropped$" "$WORK/listen.err" ||
  fail "exit summary does not match: $(cat "$WORK/listen.err")"

compare_records "$OUT.1" "$WORK/phase1.expect" || fail "phase 1 output differs"
compare_records "$OUT" "$WORK/phase2.expect" || fail "phase 2 output differs"
log "PASS"
