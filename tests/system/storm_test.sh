#!/usr/bin/env bash
# ncxdp-storm against `ncxdp attach` in a veth sandbox, loss counted exactly through the manifest:
#   A. a mixed fleet (boots, oopses, WARNINGs, short panics; 6.1, 6.18 and plain targets; IPv4 and
#      IPv6; fragments sent last first; every 11th message withheld) sent with AF_XDP TX: every
#      record sent must be in ncxdp's jsonl output exactly, and the withheld ones must be gaps;
#   B. a mass panic, 2,000 hosts x 100 messages: every record exactly, none extra;
#   C. the AF_PACKET fallback sender: the same exactness;
#   plus the generator's usage errors and `ncxdp-storm check` failing on a truncated output.
# Usage: storm_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
STORM="$BUILD/ncxdp-storm"
[[ -x $STORM ]] || fail "$STORM not built"
setup_netns
RX_MAC=$(ip -n "$RX_NS" -j link show vrx | jq -r '.[0].address')
# Simulated hosts live in a range no interface has: the frames are crafted, nothing answers them.
SRC_NET=10.199.64.0/18

# --- usage errors: one clear line each ---
rc=0
ip netns exec "$TX_NS" "$STORM" send --iface nosuch0 --dst "$RX_V4" --hosts 1 2>"$WORK/err.txt" || rc=$?
[[ $rc -eq 1 ]] && grep -q 'nosuch0' "$WORK/err.txt" || fail "missing interface: exit $rc, $(cat "$WORK/err.txt")"
rc=0
"$STORM" send --iface lo --dst "$RX_V4" --scenario bogus 2>"$WORK/err.txt" || rc=$?
[[ $rc -eq 2 ]] && grep -q "unknown scenario 'bogus'" "$WORK/err.txt" || fail "bad scenario: exit $rc, $(cat "$WORK/err.txt")"
rc=0
"$STORM" send --iface lo --dst "$RX_V4" --hosts 70000 --src-net 10.0.0.0/16 2>"$WORK/err.txt" || rc=$?
[[ $rc -eq 2 ]] && grep -q 'has room for 65533 addresses' "$WORK/err.txt" || fail "too many hosts: exit $rc, $(cat "$WORK/err.txt")"
log "OK: usage errors"

start_attach() {
  OUT="$WORK/$1.jsonl"
  ip netns exec "$RX_NS" "$NCXDP" attach vrx --port 6666 --out "jsonl:$OUT" -v 2>"$WORK/$1.attach.err" &
  RX_PID=$!
  PIDS+=("$RX_PID")
  wait_attached "$WORK/$1.attach.err"
}

stop_attach() {
  sleep 0.5
  kill -TERM "$RX_PID"
  wait_exit "$RX_PID" 20
  [[ $WAIT_RC -eq 0 ]] || fail "ncxdp attach exited $WAIT_RC: $(tail -3 "$WORK/$1.attach.err")"
}

# has_record FILTER FILE: some line of FILE matches the jq FILTER.
has_record() { [[ -n $(jq -c "select($1)" "$2" | head -1) ]]; }

# storm_run NAME SEND_ARGS...: attach, send with a manifest, stop, check; CHECK holds the result.
storm_run() {
  local name=$1
  shift
  start_attach "$name"
  ip netns exec "$TX_NS" timeout 120 "$STORM" send --iface vtx --dst "$RX_V4" --dst6 "$RX_V6" --dst-mac "$RX_MAC" \
    --src-net "$SRC_NET" --quiet --manifest "$WORK/$name.manifest.json" "$@" 2>"$WORK/$name.send.err" ||
    fail "ncxdp-storm send ($name) failed: $(tail -2 "$WORK/$name.send.err")"
  stop_attach "$name"
  CHECK=$("$STORM" check --json --manifest "$WORK/$name.manifest.json" "$OUT") ||
    fail "$name: not captured exactly: $CHECK ($("$STORM" check --manifest "$WORK/$name.manifest.json" "$OUT" | head -5))"
  local sent got
  sent=$(jq '.sent.datagrams' "$WORK/$name.manifest.json")
  got=$(sed -n 's/^ncxdp attach: \([0-9]*\) datagrams.*/\1/p' "$WORK/$name.attach.err")
  [[ $sent -eq $got ]] || fail "$name: manifest says $sent datagrams sent, ncxdp counted $got"
  log "OK: $name: $(jq -r '"\(.matched)/\(.expected) records exact, \(.hosts_exact)/\(.hosts) hosts, \(.gap_events) gap events"' <<<"$CHECK")"
}

# --- A: mixed fleet with every feature the demo shows ---
storm_run mixed --hosts 300 --v6-every 10 --scenario mixed --withhold-every 11 --reverse-fragments --pps 20000
[[ $(jq '.gap_events' <<<"$CHECK") -gt 0 ]] || fail "mixed: withheld messages produced no gap events"
[[ $(jq '.sent.withheld' "$WORK/mixed.manifest.json") -gt 0 ]] || fail "mixed: nothing withheld"
[[ $(jq '.sent.sender' -r "$WORK/mixed.manifest.json") == af_xdp ]] || fail "mixed: did not send with AF_XDP"
grep -q '"src":"\[fd00:199::' "$OUT" || fail "mixed: no IPv6 host in the output"
has_record '.format == "plain"' "$OUT" || fail "mixed: no plain record"
has_record '.event == null and (.text | startswith("Modules linked in:")) and (.text | length) > 1000' "$OUT" ||
  fail "mixed: no reassembled long record"

# --- B: mass panic: 2,000 hosts x 100 messages ---
storm_run panic --hosts 2000 --formats mixed --scenario panic --burst 100 --pps 50000
[[ $(jq '.expected' <<<"$CHECK") -eq 200000 ]] || fail "panic: expected 200,000 records: $CHECK"

# --- C: the AF_PACKET fallback ---
storm_run packet --tx packet --hosts 50 --scenario mixed --pps 20000
[[ $(jq '.sent.sender' -r "$WORK/packet.manifest.json") == af_packet ]] || fail "packet: did not use AF_PACKET"

# --- the checker notices loss: drop 5 message lines from the last output ---
grep -v '"event"' "$OUT" | tail -n +6 >"$WORK/short.jsonl"
rc=0
"$STORM" check --json --manifest "$WORK/packet.manifest.json" "$WORK/short.jsonl" >"$WORK/short.check" || rc=$?
[[ $rc -eq 1 && $(jq '.missing' "$WORK/short.check") -eq 5 ]] || fail "checker: exit $rc, $(cat "$WORK/short.check")"
log "OK: checker counts 5 missing records in a truncated output"
