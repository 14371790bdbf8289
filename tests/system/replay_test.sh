#!/usr/bin/env bash
# `ncxdp replay` end to end on real captures: tcpdump in the receiving namespace records what
# nc_send sends (plain, extended, ncfrag fragments; IPv4 and IPv6; three destination ports) three
# ways at once: Ethernet at nanosecond precision (veth), Linux cooked v1 and v2 (-i any). Each
# file, and a pcapng rewrite of one, must replay to exactly the records nc_send says it sent;
# --port must select by destination port; an unreadable file must fail with one line, exit 1.
# Usage: replay_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
command -v tcpdump >/dev/null || skip "tcpdump not installed"
PCAP2PCAPNG="$BUILD/pcap2pcapng"
[[ -x "$PCAP2PCAPNG" ]] || fail "$PCAP2PCAPNG not built"
setup_netns

# The traffic, as (name, nc_send arguments). Each run writes $WORK/<name>.expect.
runs=(
  "v4mixed|--to $RX_V4:6666 gen --src ${TX_V4[0]} --src ${TX_V4[1]} --src-ports 7000-7002 --count 40 --format mixed"
  "v6mixed|--to [$RX_V6]:6667 gen --src ${TX_V6[0]} --src-ports 7100-7103 --count 40 --format mixed"
  "v4ext|--to $RX_V4:6668 gen --src ${TX_V4[1]} --src-ports 7200-7201 --count 60 --format extended"
)
nc_send_run() { # $1 = name, $2 = extra flags, rest of the arguments from the table
  local spec=$1 extra=$2 name args
  name=${spec%%|*}
  args=${spec#*|}
  # shellcheck disable=SC2086 # the table holds word-split argument lists
  ip netns exec "$TX_NS" timeout 60 "$NC_SEND" $extra --expect "$WORK/$name.expect" $args 2>>"$WORK/nc_send.err"
}

# Dry run first: tcpdump then stops after exactly that many datagrams, no guessing.
total=0
for spec in "${runs[@]}"; do
  nc_send_run "$spec" --dry-run || fail "nc_send dry run failed: $(tail -1 "$WORK/nc_send.err")"
  n=$(tail -1 "$WORK/nc_send.err" | grep -o '^nc_send: [0-9]*' | grep -o '[0-9]*')
  total=$((total + n))
done
log "expecting $total datagrams"

FILTER="udp and (dst port 6666 or dst port 6667 or dst port 6668)"
start_capture() { # $1 = name, rest = tcpdump interface/link options
  local name=$1
  shift
  ip netns exec "$RX_NS" timeout 60 tcpdump -Z root -U -n -c "$total" "$@" -w "$WORK/$name.pcap" "$FILTER" \
    2>"$WORK/$name.tcpdump.err" &
  PIDS+=($!)
  CAPTURE_PIDS+=($!)
}
CAPTURE_PIDS=()
start_capture eth -i vrx --time-stamp-precision nano
start_capture sll -i any -y LINUX_SLL
start_capture sll2 -i any -y LINUX_SLL2
for name in eth sll sll2; do
  for ((i = 0; i < 100; i++)); do
    grep -q 'listening on' "$WORK/$name.tcpdump.err" 2>/dev/null && break
    sleep 0.05
  done
  grep -q 'listening on' "$WORK/$name.tcpdump.err" || fail "tcpdump ($name) did not start: $(cat "$WORK/$name.tcpdump.err")"
done

for spec in "${runs[@]}"; do
  nc_send_run "$spec" "--pps 20000" || fail "nc_send failed: $(tail -1 "$WORK/nc_send.err")"
done
for pid in "${CAPTURE_PIDS[@]}"; do
  wait_exit "$pid" 20
  [[ $WAIT_RC -eq 0 ]] || fail "tcpdump exited $WAIT_RC (captured fewer than $total datagrams?)"
done
"$PCAP2PCAPNG" "$WORK/sll2.pcap" "$WORK/sll2.pcapng" 2>/dev/null || fail "pcap2pcapng failed"
cat "$WORK/v4mixed.expect" "$WORK/v6mixed.expect" "$WORK/v4ext.expect" >"$WORK/all.expect"

replay() { # $1 = output file, rest = ncxdp replay arguments
  local out=$1 rc=0
  shift
  timeout 60 "$NCXDP" replay "$@" --out jsonl:- >"$out" 2>"$out.err" || rc=$?
  [[ $rc -eq 0 ]] || fail "ncxdp replay $* exited $rc: $(cat "$out.err")"
}

# Every link type and file format gives the same records.
for file in eth.pcap sll.pcap sll2.pcap sll2.pcapng; do
  replay "$WORK/$file.jsonl" "$WORK/$file"
  compare_records "$WORK/$file.jsonl" "$WORK/all.expect" || fail "replay of $file differs"
done

# Packet time is the clock: a record's recv_ts is its packet's capture timestamp, not replay time.
first_packet=$(tcpdump -r "$WORK/sll.pcap" -tt -n -c 1 2>/dev/null | awk '{print $1}')
first_record=$(head -1 "$WORK/sll.pcap.jsonl" |
  jq -r '.recv_ts | capture("^(?<s>[^.]*)\\.(?<f>[0-9]{6})Z$") | "\((.s + "Z") | fromdateiso8601).\(.f)"')
[[ -n "$first_packet" && "$first_packet" == "$first_record" ]] ||
  fail "first record recv_ts $first_record is not the first packet's time $first_packet"

# --port selects destination ports.
replay "$WORK/port6667.jsonl" "$WORK/eth.pcap" --port 6667
compare_records "$WORK/port6667.jsonl" "$WORK/v6mixed.expect" || fail "--port 6667 differs"
replay "$WORK/port6666_6668.jsonl" "$WORK/sll.pcap" --port 6666 --port 6668
cat "$WORK/v4mixed.expect" "$WORK/v4ext.expect" >"$WORK/v4.expect"
compare_records "$WORK/port6666_6668.jsonl" "$WORK/v4.expect" || fail "--port 6666 --port 6668 differs"
replay "$WORK/port9.jsonl" "$WORK/eth.pcap" --port 9
[[ ! -s "$WORK/port9.jsonl" ]] || fail "--port 9 should decode nothing"

# Unreadable input: one line, exit 1.
rc=0
"$NCXDP" replay "$WORK/missing.pcap" --out jsonl:- >"$WORK/missing.out" 2>"$WORK/missing.err" || rc=$?
[[ $rc -eq 1 ]] || fail "missing file: exit $rc, expected 1"
grep -qx "ncxdp replay: cannot read '$WORK/missing.pcap': $WORK/missing.pcap: No such file or directory" \
  "$WORK/missing.err" || fail "missing file: unexpected message: $(cat "$WORK/missing.err")"
echo "not a capture" >"$WORK/junk.pcap"
rc=0
"$NCXDP" replay "$WORK/junk.pcap" >"$WORK/junk.out" 2>"$WORK/junk.err" || rc=$?
[[ $rc -eq 1 ]] || fail "junk file: exit $rc, expected 1"
[[ $(wc -l <"$WORK/junk.err") -eq 1 ]] && grep -q "^ncxdp replay: cannot read '$WORK/junk.pcap': " "$WORK/junk.err" ||
  fail "junk file: unexpected message: $(cat "$WORK/junk.err")"
log "OK: unreadable files are refused"
log "PASS"
