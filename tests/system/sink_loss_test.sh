#!/usr/bin/env bash
# Bad days for the outputs (issue 13, items 1 and 2): a disk that fills and then has room again,
# and readers that go away (`| head -1`).
#   - Every output file holds whole records only: every jsonl line and every line of the NATS
#     spill file parses with jq, every dir: file ends on a whole line with one record per line,
#     and records sent after space came back are there intact.
#   - Every output counts its losses in records, by cause: for each output the exit summary's
#     "records = written (or delivered + spilled) + lost" holds exactly, the records it was handed
#     are what the decoders produced, the files hold exactly "written" lines, and the metrics
#     (ncxdp_sink_dropped_records_total{reason}) say the same.
# The tmpfs lives in a private mount namespace: it vanishes with the test whatever happens.
# Usage: sink_loss_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped.
set -euo pipefail
if [[ $(id -u) -eq 0 && -z "${NCXDP_SINK_LOSS_MNTNS:-}" ]] && command -v unshare >/dev/null; then
  exec env NCXDP_SINK_LOSS_MNTNS=1 unshare --mount --propagation private "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
[[ -n "${NCXDP_SINK_LOSS_MNTNS:-}" ]] || skip "unshare (util-linux) not installed"
command -v curl >/dev/null || skip "curl not installed"
setup_netns

MNT="$WORK/mnt"
mkdir "$MNT"
mount -t tmpfs -o size=1m ncxdp-full "$MNT" || skip "cannot mount a tmpfs"
# Unmounted before lib.sh's cleanup removes $WORK (keeping the test's exit status for it).
# shellcheck disable=SC2154 # rc is assigned inside the trap
trap 'rc=$?; umount -l "$MNT" 2>/dev/null || true; (exit $rc); cleanup' EXIT
head -c 300000 /dev/zero >"$MNT/filler"

send() {
  local name=$1 port=$2
  shift 2
  ip netns exec "$TX_NS" timeout 60 "$NC_SEND" --pps 20000 --expect "$WORK/$name.expect" \
    --to "$RX_V4:$port" gen "$@" 2>>"$WORK/nc_send.err" || fail "nc_send $name: $(tail -1 "$WORK/nc_send.err")"
}
scrape() { ip netns exec "$RX_NS" curl -sf --noproxy '*' --max-time 5 "http://127.0.0.1:$1/metrics"; }
# metric PROM_TEXT NAME LABELS...: the value of the one sample of NAME carrying all LABELS.
metric() {
  local text=$1 name=$2
  shift 2
  local line
  line=$(grep "^$name{" <<<"$text" || true)
  local l
  for l in "$@"; do line=$(grep -F "$l" <<<"$line" || true); done
  [[ $(grep -c . <<<"$line") -eq 1 ]] || fail "expected one sample of $name $*, got: $line"
  awk '{printf "%d\n", $2}' <<<"$line"
}
# Bounded wait until the outputs have been handed every record decoded so far and $2 records
# arrived (all sent, or the count stopped moving for 2 s: the kernel may drop a datagram).
settle() {
  local port=$1 want=$2 i text decoded handed last=-1 still=0
  for ((i = 0; i < 150; i++)); do
    text=$(scrape "$port" || true)
    decoded=$(awk '/^ncxdp_records_total\{/ {s += $2} END {printf "%d", s}' <<<"$text")
    handed=$(awk '/^ncxdp_sink_records_total\{.*output="0"/ {printf "%d", $2}' <<<"$text")
    if [[ -n "$handed" && "$handed" -ge "$decoded" ]]; then
      ((decoded >= want)) && return 0
      if ((decoded == last)); then ((++still >= 10)) && return 0; else still=0; fi
    fi
    last=$decoded
    sleep 0.2
  done
  fail "records did not reach the outputs (decoded $decoded, handed $handed)"
}

# summary_check ERRFILE SINK MIN_LOST REASON: from the exit summary of `ncxdp -v`, for output
# SINK: records = written (+ delivered + spilled for nats) + lost, records = decoded records plus
# gap events, lost >= MIN_LOST, all lost for REASON. Sets WRITTEN, LOST, SPILLED.
summary_check() {
  local err=$1 sink=$2 min_lost=$3 reason=$4 line records decoded gaps delivered=0
  decoded=$(sed -nE 's/^ncxdp listen: [0-9]+ datagrams, ([0-9]+) records .*/\1/p' "$err")
  gaps=$(sed -nE 's/^ncxdp listen: .* records .*, ([0-9]+) gaps .*/\1/p' "$err")
  [[ -n "$decoded" && -n "$gaps" ]] || fail "no exit summary in $err: $(cat "$err")"
  line=$(grep "^  out $sink: " "$err") || fail "no summary line for output $sink: $(cat "$err")"
  records=$(sed -nE 's/^  out [a-z]+: ([0-9]+) records, .*/\1/p' <<<"$line")
  WRITTEN=$(sed -nE 's/.* ([0-9]+) written, .*/\1/p' <<<"$line")
  SPILLED=$(sed -nE 's/.* ([0-9]+) spilled, .*/\1/p' <<<"$line")
  [[ -n "$SPILLED" ]] && delivered=$(sed -nE 's/.* ([0-9]+) delivered, .*/\1/p' <<<"$line")
  [[ -n "$WRITTEN" ]] || WRITTEN=$((delivered + SPILLED))
  LOST=$(sed -nE 's/.* ([0-9]+) lost.*/\1/p' <<<"$line")
  [[ -n "$records" && -n "$LOST" ]] || fail "cannot read: $line"
  ((records == decoded + gaps)) || fail "$sink: handed $records records, decoders made $decoded (+$gaps gap events)"
  ((WRITTEN + LOST == records)) || fail "$sink: $WRITTEN written + $LOST lost != $records records: $line"
  ((LOST >= min_lost)) || fail "$sink: expected at least $min_lost lost records: $line"
  if ((LOST > 0)); then
    [[ "$line" == *"lost ($reason $LOST)"* ]] || fail "$sink: losses not all '$reason': $line"
    grep -q "^ncxdp listen: output $sink (.*): $LOST of $records records lost ($reason $LOST)$" "$err" ||
      fail "$sink: no loss line on stderr: $(cat "$err")"
  fi
  log "OK: $sink: $records records = $WRITTEN written + $LOST lost ($reason)"
}

# --- 1. the disk fills: jsonl, dir, the NATS spill file and stdout (text, redirected with '>', so
# without O_APPEND) on a 1 MiB tmpfs with 300 KB filler ---
PORT=6666
MPORT=9671
DEAD="nats://127.0.0.1:1?buffer=1M&drain=500&spill=$MNT/spill.jsonl"
ip netns exec "$RX_NS" "$NCXDP" listen --port "$PORT" -v --metrics "127.0.0.1:$MPORT" \
  --out "jsonl:$MNT/x.jsonl" --out "dir:$MNT/d" --out "$DEAD" --out text >"$MNT/stdout.txt" 2>"$WORK/full.err" &
RX_PID=$!
PIDS+=("$RX_PID")
wait_udp_listener "$RX_NS" "$PORT"
# 8,000 extended records from 20 senders (about 2 MB of JSON for 700 KB of free space).
send full1 "$PORT" --src "${TX_V4[0]}" --src "${TX_V4[1]}" --src-ports 7000-7009 --count 400 --format extended
settle "$MPORT" "$(wc -l <"$WORK/full1.expect")"
rm "$MNT/filler"
# Room again: these must land whole, on lines of their own.
send full2 "$PORT" --src "${TX_V4[0]}" --src-ports 7100-7101 --count 5 --format extended
settle "$MPORT" "$(($(wc -l <"$WORK/full1.expect") + 10))"
PROM=$(scrape "$MPORT") || fail "no metrics"
kill -TERM "$RX_PID"
wait_exit "$RX_PID" 30
[[ $WAIT_RC -eq 1 ]] || fail "ncxdp listen lost records and exited $WAIT_RC, expected 1: $(cat "$WORK/full.err")"

# Whole records first (what main got wrong), then the counts.
jq -c . "$MNT/x.jsonl" >"$WORK/x.parsed" || fail "x.jsonl holds a line that is not JSON"
for f in "$MNT"/d/*.log "$MNT/stdout.txt"; do
  [[ -z "$(tail -c 1 "$f")" ]] || fail "$f ends mid-line"
done
summary_check "$WORK/full.err" jsonl 1 no_space
jsonl_written=$WRITTEN jsonl_lost=$LOST
[[ $(wc -l <"$MNT/x.jsonl") -eq $jsonl_written ]] ||
  fail "x.jsonl has $(wc -l <"$MNT/x.jsonl") lines, the summary says $jsonl_written written"
[[ $(jq -r 'select(.src | test(":710[01]$")) | .src' "$MNT/x.jsonl" | wc -l) -eq 10 ]] ||
  fail "records sent after space came back are missing from x.jsonl"
log "OK: x.jsonl: $jsonl_written whole JSON records, the 10 sent after the filler went are there"

summary_check "$WORK/full.err" dir 1 no_space
dir_written=$WRITTEN dir_lost=$LOST
lines=0
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z'
for f in "$MNT"/d/*.log; do
  [[ -z "$(tail -c 1 "$f")" ]] || fail "$f ends mid-line"
  bad=$(grep -cvE "^$ts [a-z]+ +\[ *[0-9]+\.[0-9]{6}\] " "$f" || true)
  [[ $bad -eq 0 ]] || fail "$f: $bad lines do not start like a record: $(grep -vE "^$ts " "$f" | head -2)"
  twice=$(grep -cE "$ts.*$ts" "$f" || true)
  [[ $twice -eq 0 ]] || fail "$f: $twice lines hold two records"
  lines=$((lines + $(wc -l <"$f")))
done
((lines == dir_written)) || fail "dir files hold $lines lines, the summary says $dir_written written"
for p in 7100 7101; do
  [[ $(wc -l <"$MNT/d/${TX_V4[0]}_$p.log") -eq 5 ]] || fail "dir: sender :$p sent after the filler went is incomplete"
done
log "OK: dir: $(find "$MNT/d" -name '*.log' | wc -l) files, all ending on whole records, $lines lines"

summary_check "$WORK/full.err" nats 1 no_space
spill_written=$SPILLED
if [[ -s "$MNT/spill.jsonl" ]]; then
  jq -c . "$MNT/spill.jsonl" >/dev/null || fail "spill.jsonl holds a line that is not JSON"
fi
[[ $(wc -l <"$MNT/spill.jsonl") -eq $spill_written ]] ||
  fail "spill.jsonl has $(wc -l <"$MNT/spill.jsonl") lines, the summary says $spill_written spilled"
log "OK: spill file: $spill_written whole JSON records"

summary_check "$WORK/full.err" text 1 no_space
text_written=$WRITTEN
[[ $(wc -l <"$MNT/stdout.txt") -eq $text_written ]] ||
  fail "stdout.txt has $(wc -l <"$MNT/stdout.txt") lines, the summary says $text_written written"
bad=$(grep -cvE "^$ts ${TX_V4[0]//./\\.}:7|^$ts ${TX_V4[1]//./\\.}:7" "$MNT/stdout.txt" || true)
[[ $bad -eq 0 ]] || fail "stdout.txt: $bad lines do not start like a record (a hole or a fragment)"
[[ $(grep -cE "$ts.*$ts" "$MNT/stdout.txt" || true) -eq 0 ]] || fail "stdout.txt: two records on one line"
[[ $(grep -c ":710[01] " "$MNT/stdout.txt" || true) -eq 10 ]] ||
  fail "stdout.txt: records sent after space came back are missing"
log "OK: stdout.txt: $text_written whole lines"

# The metrics said the same before exit (the NATS output only settles at exit).
[[ $(metric "$PROM" ncxdp_sink_dropped_records_total 'output="0"' 'reason="no_space"') -eq $jsonl_lost ]] ||
  fail "metrics: jsonl no_space $(metric "$PROM" ncxdp_sink_dropped_records_total 'output="0"' 'reason="no_space"'), summary $jsonl_lost"
[[ $(metric "$PROM" ncxdp_sink_written_records_total 'output="0"') -eq $jsonl_written ]] || fail "metrics: jsonl written"
[[ $(metric "$PROM" ncxdp_sink_dropped_records_total 'output="1"' 'reason="no_space"') -eq $dir_lost ]] ||
  fail "metrics: dir no_space"
[[ $(metric "$PROM" ncxdp_sink_written_records_total 'output="1"') -eq $dir_written ]] || fail "metrics: dir written"
[[ $(metric "$PROM" ncxdp_sink_dropped_records_total 'output="0"' 'reason="broken_pipe"') -eq 0 ]] ||
  fail "metrics: jsonl broken_pipe"
log "OK: ncxdp_sink_dropped_records_total and ncxdp_sink_written_records_total match the summary"

# --- 2. readers that go away: text to stdout | head -1, jsonl into a FIFO whose reader quits ---
PORT=6667
mkfifo "$WORK/jsonl.fifo"
head -1 <"$WORK/jsonl.fifo" >"$WORK/jsonl.head" &
PIDS+=("$!")
ip netns exec "$RX_NS" "$NCXDP" listen --port "$PORT" -v --out text --out "jsonl:$WORK/jsonl.fifo" \
  2>"$WORK/pipe.err" > >(head -1 >"$WORK/text.head") &
RX_PID=$!
PIDS+=("$RX_PID")
wait_udp_listener "$RX_NS" "$PORT"
send pipe "$PORT" --src "${TX_V4[1]}" --src-ports 7200-7203 --count 500 --format mixed
sleep 1
kill -TERM "$RX_PID"
wait_exit "$RX_PID" 30
[[ $WAIT_RC -eq 1 ]] || fail "ncxdp listen lost records to closed pipes and exited $WAIT_RC: $(cat "$WORK/pipe.err")"
[[ $(wc -l <"$WORK/text.head") -eq 1 && $(wc -l <"$WORK/jsonl.head") -eq 1 ]] || fail "the readers got nothing"
jq -e . "$WORK/jsonl.head" >/dev/null || fail "the jsonl reader's line is not JSON"
summary_check "$WORK/pipe.err" text 1 broken_pipe
summary_check "$WORK/pipe.err" jsonl 1 broken_pipe
log "PASS"
