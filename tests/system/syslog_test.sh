#!/usr/bin/env bash
# --out syslog:// against a real rsyslog (Debian's rsyslogd), started here in the receiver
# namespace with its own configuration, work directory and no pid file (the machine's syslog is
# never touched), listening only on that namespace's loopback with imudp, imtcp and imtcp over
# GnuTLS. rsyslog parses each message (RFC 5424, mmpstrucdata for the structured data) and writes
# the fields it parsed as JSON, plus an RFC 5424 file; syslog_check.py then requires every record
# and gap event ncxdp decoded, field for field, exactly once, in order per sender for TCP and TLS:
#   1. mixed plain/extended traffic from IPv4 and IPv6 senders, ncfrag fragments, a seq gap, and a
#      dictionary full of characters RFC 5424 makes special, over udp, tcp and tls at once;
#   2. rsyslog stops: ncxdp notices, buffers (metrics say so), and after the restart delivers every
#      record sent meanwhile over tcp and tls (udp loses them, as UDP does);
#   3. a TLS server whose certificate does not carry the expected name is refused, and the record
#      that could not go is counted at exit.
# syslog-ng is not tested: Debian's syslog-ng-core and rsyslog conflict (both provide
# system-log-daemon), so one machine cannot have both installed.
# Usage: syslog_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
command -v rsyslogd >/dev/null || skip "rsyslogd not installed (scripts/deps.sh installs rsyslog)"
[[ -n "$(find /usr/lib -name lmnsd_gtls.so 2>/dev/null | head -1)" ]] ||
  skip "rsyslog's TLS driver not installed (scripts/deps.sh installs rsyslog-gnutls)"
command -v certtool >/dev/null || skip "certtool not installed (scripts/deps.sh installs gnutls-bin)"
command -v python3 >/dev/null || skip "python3 not installed"
command -v curl >/dev/null || skip "curl not installed"
CHECK="$(cd "$(dirname "$0")" && pwd)/syslog_check.py"
setup_netns
rx() { ip netns exec "$RX_NS" "$@"; }

# --- a throwaway CA and a server certificate for 127.0.0.1 ---
printf '%s\n' 'cn = "ncxdp syslog test CA"' ca cert_signing_key 'expiration_days = 2' >"$WORK/ca.tmpl"
printf '%s\n' 'cn = "syslog.test"' 'dns_name = "syslog.test"' 'ip_address = "127.0.0.1"' tls_www_server \
  encryption_key signing_key 'expiration_days = 2' >"$WORK/server.tmpl"
{
  certtool --generate-privkey --key-type=ecdsa --outfile "$WORK/ca.key" &&
    certtool --generate-self-signed --load-privkey "$WORK/ca.key" --template "$WORK/ca.tmpl" \
      --outfile "$WORK/ca.pem" &&
    certtool --generate-privkey --key-type=ecdsa --outfile "$WORK/server.key" &&
    certtool --generate-certificate --load-privkey "$WORK/server.key" --load-ca-certificate "$WORK/ca.pem" \
      --load-ca-privkey "$WORK/ca.key" --template "$WORK/server.tmpl" --outfile "$WORK/server.pem"
} >"$WORK/certtool.log" 2>&1 || fail "certtool: $(tail -3 "$WORK/certtool.log")"

# --- rsyslog: udp 5514, tcp 5515, tls 6514 on the receiver namespace's loopback ---
mkdir -p "$WORK/rsyslog"
cat >"$WORK/rsyslog.conf" <<RSYSLOG_CONF
global(workDirectory="$WORK/rsyslog" maxMessageSize="64k" parser.escapeControlCharactersOnReceive="off"
       defaultNetstreamDriverCAFile="$WORK/ca.pem" defaultNetstreamDriverCertFile="$WORK/server.pem"
       defaultNetstreamDriverKeyFile="$WORK/server.key")
module(load="imudp")
module(load="imtcp" maxSessions="16")
module(load="mmpstrucdata")
# What rsyslog parsed out of each message, one JSON object per line.
template(name="fields" type="list" option.jsonf="on") {
  property(outname="facility" name="syslogfacility" format="jsonf")
  property(outname="severity" name="syslogseverity" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="timestamp" name="timestamp" dateFormat="rfc3339" format="jsonf")
  property(outname="sd" name="\$!rfc5424-sd" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
ruleset(name="udp") {
  action(type="mmpstrucdata" sd_name.lowercase="off")
  action(type="omfile" file="$WORK/udp.json" template="fields")
}
ruleset(name="tcp") {
  action(type="mmpstrucdata" sd_name.lowercase="off")
  action(type="omfile" file="$WORK/tcp.json" template="fields")
  action(type="omfile" file="$WORK/tcp.log" template="RSYSLOG_SyslogProtocol23Format")
}
ruleset(name="tls") {
  action(type="mmpstrucdata" sd_name.lowercase="off")
  action(type="omfile" file="$WORK/tls.json" template="fields")
}
input(type="imudp" address="127.0.0.1" port="5514" ruleset="udp" rcvbufSize="8m")
input(type="imtcp" address="127.0.0.1" port="5515" ruleset="tcp")
input(type="imtcp" address="127.0.0.1" port="6514" ruleset="tls" streamDriver.name="gtls" streamDriver.mode="1"
      streamDriver.authMode="anon")
RSYSLOG_CONF
rsyslogd -N1 -f "$WORK/rsyslog.conf" >"$WORK/rsyslog-check.log" 2>&1 ||
  fail "rsyslogd rejects the test's configuration: $(tail -3 "$WORK/rsyslog-check.log")"

RSYSLOG_PID=""
start_rsyslog() {
  ip netns exec "$RX_NS" rsyslogd -n -iNONE -f "$WORK/rsyslog.conf" 2>>"$WORK/rsyslog.err" &
  RSYSLOG_PID=$!
  PIDS+=("$RSYSLOG_PID")
  local i
  for ((i = 0; i < 100; i++)); do
    if [[ -n "$(rx ss -Hltn 'sport = :5515')" && -n "$(rx ss -Hltn 'sport = :6514')" &&
      -n "$(rx ss -Hlun 'sport = :5514')" ]]; then
      return 0
    fi
    kill -0 "$RSYSLOG_PID" 2>/dev/null || fail "rsyslogd exited: $(tail -3 "$WORK/rsyslog.err")"
    sleep 0.05
  done
  fail "rsyslogd does not listen after 5 s: $(tail -3 "$WORK/rsyslog.err")"
}
stop_rsyslog() {
  kill -TERM "$RSYSLOG_PID"
  wait_exit "$RSYSLOG_PID" 20
}
start_rsyslog

# --- ncxdp listen forwarding to all three, with its own jsonl as the reference ---
OUT="$WORK/ncxdp.jsonl"
METRICS_PORT=9666
ip netns exec "$RX_NS" "$NCXDP" listen --port 6666 --out "jsonl:$OUT" --out "syslog://127.0.0.1:5514" \
  --out "syslog://127.0.0.1:5515?proto=tcp" --out "syslog://127.0.0.1?proto=tls&ca=$WORK/ca.pem" \
  --metrics "127.0.0.1:$METRICS_PORT" 2>"$WORK/ncxdp.err" &
NCXDP_PID=$!
PIDS+=("$NCXDP_PID")
wait_udp_listener "$RX_NS" 6666
scrape() { rx curl -sf --noproxy '*' --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics"; }
# metric NAME OUTPUT: the value of NAME{sink="syslog",output="OUTPUT"}.
metric() {
  scrape | sed -n "s/^$1{output=\"$2\",sink=\"syslog\"} //p;s/^$1{sink=\"syslog\",output=\"$2\"} //p"
}
expect_metric() {
  local name=$1 output=$2 want=$3 got="" i
  for ((i = 0; i < 50; i++)); do
    got=$(metric "$name" "$output" || true)
    [[ "$got" == "$want" ]] && return 0
    sleep 0.1
  done
  fail "$name{output=\"$output\"} is '$got', expected $want"
}

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# A dictionary and text with every character RFC 5424 escapes or forbids, a key that is no valid
# SD-NAME, and a seq gap (2 to 4 never sent) that becomes a gap event.
{
  echo "${TX_V4[1]} 7100 $(hex $'6,1,1000,-;quote " backslash \\x5c bracket ] end\n SUBSYSTEM=a"b\\x5cc]d[e\n bad key=v=w\n DEVICE=+pci:0000:00:03.0\n')"
  echo "${TX_V4[1]} 7100 $(hex $'3,5,5000,-;after the gap\n')"
} >"$WORK/special.script"

# send_and_wait NAME PORTS COUNT [SCRIPT]: mixed traffic from an IPv4 and an IPv6 sender (and the
# script's datagrams); waits until ncxdp's jsonl has everything. ENTRIES: the jsonl's line count.
ENTRIES=0
send_and_wait() {
  local name=$1 ports=$2 count=$3 want
  ip netns exec "$TX_NS" timeout 60 "$NC_SEND" --pps 20000 --expect "$WORK/$name.expect" \
    --to "$RX_V4:6666" --to "[$RX_V6]:6666" \
    gen --src "${TX_V4[0]}" --src "${TX_V6[0]}" --src-ports "$ports" --count "$count" --format mixed \
    2>"$WORK/$name.send.err" || fail "nc_send ($name) failed: $(cat "$WORK/$name.send.err")"
  want=$((ENTRIES + $(wc -l <"$WORK/$name.expect")))
  if [[ -n "${4:-}" ]]; then
    ip netns exec "$TX_NS" timeout 20 "$NC_SEND" --to "$RX_V4:6666" script "$4" 2>>"$WORK/$name.send.err" ||
      fail "nc_send script failed"
    want=$((want + 3)) # two records and one gap event
  fi
  wait_lines "$OUT" "$want" 30 || fail "$name: ncxdp wrote $(wc -l <"$OUT") entries, expected $want"
  ENTRIES=$want
}

# --- 1: everything arrives, over each transport ---
send_and_wait first 7000-7005 100 "$WORK/special.script"
grep -q '"event":"gap"' "$OUT" || fail "no gap event in ncxdp's output"
grep -q '"text":"quote' "$OUT" || fail "the special record was not decoded"
cp "$OUT" "$WORK/first.jsonl"
for t in udp tcp tls; do
  wait_lines "$WORK/$t.json" "$ENTRIES" 30 ||
    fail "rsyslog ($t) wrote $(wc -l <"$WORK/$t.json" 2>/dev/null || echo 0) of $ENTRIES entries"
done
sleep 0.3 # nothing more may come
python3 "$CHECK" "$OUT" "$WORK/udp.json" >"$WORK/check.udp" || fail "udp: $(cat "$WORK/check.udp")"
python3 "$CHECK" "$OUT" "$WORK/tcp.json" --ordered >"$WORK/check.tcp" || fail "tcp: $(cat "$WORK/check.tcp")"
python3 "$CHECK" "$OUT" "$WORK/tls.json" --ordered >"$WORK/check.tls" || fail "tls: $(cat "$WORK/check.tls")"
# Sink counters are published when the sink thread flushes, so only after traffic.
expect_metric ncxdp_sink_connected 2 1
expect_metric ncxdp_sink_connected 3 1
log "OK: udp: $(cat "$WORK/check.udp"); tcp: $(cat "$WORK/check.tcp"); tls: $(cat "$WORK/check.tls")"
# The RFC 5424 file, as rsyslog writes it back out: the escaped structured data survived.
grep -qF '[dict@32473 SUBSYSTEM="a\"b\\c\]d[e" bad_key="v=w" DEVICE="+pci:0000:00:03.0"] quote " backslash \ bracket ] end' \
  "$WORK/tcp.log" || fail "tcp.log lacks the special record as RFC 5424: $(grep quote "$WORK/tcp.log")"
grep -qF "ncxdp - gap [ncxdp@32473 src=\"${TX_V4[1]}:7100\" gap=\"seq\" from=\"2\" to=\"4\" count=\"3\"] 3 messages lost" \
  "$WORK/tcp.log" || fail "tcp.log lacks the gap event: $(grep gap "$WORK/tcp.log")"
grep -q "^<44>1 [^ ]* ${TX_V4[1]} ncxdp - gap " "$WORK/tcp.log" || fail "gap event: wrong header"
grep -qF " ${TX_V6[0]} kernel - - [ncxdp@32473 src=\"[${TX_V6[0]}\\]:7001\"" "$WORK/tcp.log" ||
  fail "tcp.log lacks a record with the IPv6 sender as HOSTNAME"

# --- 2: rsyslog restarts; tcp and tls keep every record, udp loses what it sent meanwhile ---
stop_rsyslog
for ((i = 0; i < 100; i++)); do
  [[ $(grep -c 'connection lost' "$WORK/ncxdp.err") -ge 2 ]] && break
  sleep 0.05
done
[[ $(grep -c 'connection lost' "$WORK/ncxdp.err") -ge 2 ]] ||
  fail "ncxdp did not notice rsyslog stopping: $(cat "$WORK/ncxdp.err")"
before=$ENTRIES
send_and_wait second 7200-7203 50
buffered=$((ENTRIES - before))
expect_metric ncxdp_sink_connected 2 0
expect_metric ncxdp_sink_buffered_records 2 "$buffered"
expect_metric ncxdp_sink_buffered_records 3 "$buffered"
log "OK: rsyslog down: $buffered records wait in each stream output"
start_rsyslog
for t in tcp tls; do
  wait_lines "$WORK/$t.json" "$ENTRIES" 30 ||
    fail "after the restart, rsyslog ($t) has $(wc -l <"$WORK/$t.json") of $ENTRIES entries"
done
sleep 0.3
python3 "$CHECK" "$OUT" "$WORK/tcp.json" --ordered >"$WORK/check.tcp" ||
  fail "tcp after the restart: $(cat "$WORK/check.tcp")"
python3 "$CHECK" "$OUT" "$WORK/tls.json" --ordered >"$WORK/check.tls" ||
  fail "tls after the restart: $(cat "$WORK/check.tls")"
python3 "$CHECK" "$WORK/first.jsonl" "$WORK/udp.json" >"$WORK/check.udp" || fail "udp: $(cat "$WORK/check.udp")"
expect_metric ncxdp_sink_connected 2 1
expect_metric ncxdp_sink_buffered_records 2 0
expect_metric ncxdp_sink_delivered_records_total 2 "$ENTRIES"
expect_metric ncxdp_sink_delivered_records_total 3 "$ENTRIES"
expect_metric ncxdp_sink_write_errors_total 2 0
expect_metric ncxdp_sink_write_errors_total 3 0
grep -q 'syslog tcp://127.0.0.1:5515: reconnected after' "$WORK/ncxdp.err" ||
  fail "no reconnect message: $(cat "$WORK/ncxdp.err")"
log "OK: after the rsyslog restart: tcp: $(cat "$WORK/check.tcp"); tls: $(cat "$WORK/check.tls")"
kill -TERM "$NCXDP_PID"
wait_exit "$NCXDP_PID" 30
[[ $WAIT_RC -eq 0 ]] || fail "ncxdp exited $WAIT_RC: $(tail -3 "$WORK/ncxdp.err")"
if grep -q 'write errors' "$WORK/ncxdp.err"; then fail "ncxdp counted write errors: $(cat "$WORK/ncxdp.err")"; fi

# --- 3: a certificate for another name is refused; what could not go is counted ---
ip netns exec "$RX_NS" "$NCXDP" listen --port 6667 --out "jsonl:$WORK/wrong.jsonl" \
  --out "syslog://127.0.0.1?proto=tls&ca=$WORK/ca.pem&name=logs.example&drain=300" 2>"$WORK/wrong.err" &
WRONG_PID=$!
PIDS+=("$WRONG_PID")
wait_udp_listener "$RX_NS" 6667
echo "${TX_V4[0]} 7300 $(hex $'<3>refused\n')" >"$WORK/one.script"
ip netns exec "$TX_NS" "$NC_SEND" --to "$RX_V4:6667" script "$WORK/one.script" 2>/dev/null
wait_lines "$WORK/wrong.jsonl" 1 10 || fail "ncxdp did not receive the record"
for ((i = 0; i < 100; i++)); do
  grep -q "server certificate not accepted for 'logs.example'" "$WORK/wrong.err" && break
  sleep 0.05
done
grep -q "ncxdp: syslog tls://127.0.0.1:6514: tls: server certificate not accepted for 'logs.example': .*; retrying" \
  "$WORK/wrong.err" || fail "wrong name: $(cat "$WORK/wrong.err")"
kill -TERM "$WRONG_PID"
wait_exit "$WRONG_PID" 20
grep -qF 'ncxdp: syslog tls://127.0.0.1:6514: 1 record(s) not sent within the drain time (drain=300 ms); lost' \
  "$WORK/wrong.err" || fail "the record that could not go was not reported: $(cat "$WORK/wrong.err")"
grep -q 'output syslog: 1 failed writes' "$WORK/wrong.err" || fail "not counted: $(cat "$WORK/wrong.err")"
log "OK: a certificate for another name is refused, and the record counted lost"
stop_rsyslog
log "PASS"
