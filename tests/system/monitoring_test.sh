#!/usr/bin/env bash
# The monitoring that ships with ncxdp (packaging/prometheus/ncxdp.rules.yml,
# packaging/grafana/ncxdp.json) against live receivers and a real Prometheus server:
#   - `ncxdp listen --metrics --triage` gets a small panic storm from ncxdp-storm (30 hosts, 3
#     bugs), and `ncxdp attach` some traffic too, so attach's own series exist;
#   - every metric name the rules and the dashboard use must be in their scrapes, and every
#     label="value" matcher must select a scraped series (names only attach exports must be
#     ncxdp_xdp_* / ncxdp_xsk_*);
#   - Prometheus (Debian's), started in the namespace with the rules, scrapes both: every rule
#     group evaluates without error, the recording rules produce series, the storm fires
#     NcxdpPanicBurst and NcxdpNewCrashCluster, the syslog output with no server makes
#     NcxdpOutputDisconnected pending, and nothing reports a loss;
#   - every dashboard expression, its Grafana variables replaced, is valid PromQL for the server.
# Usage: monitoring_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
command -v prometheus >/dev/null || skip "prometheus not installed (scripts/deps.sh installs it)"
command -v promtool >/dev/null || skip "promtool not installed (scripts/deps.sh installs prometheus)"
command -v curl >/dev/null || skip "curl not installed"
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed (scripts/deps.sh installs it)"
STORM="$BUILD/ncxdp-storm"
[[ -x $STORM ]] || fail "$STORM not built"
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
RULES="$SRC/packaging/prometheus/ncxdp.rules.yml"
DASH="$SRC/packaging/grafana/ncxdp.json"
CHECK="$SRC/tests/prometheus/monitoring_check.py"
setup_netns
rx() { ip netns exec "$RX_NS" "$@"; }
# The storm's hosts use addresses no interface has: no reverse-path filtering in this namespace.
rx sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.vrx.rp_filter=0
RX_MAC=$(rx ip -j link show vrx | jq -r '.[0].address')

promtool check rules "$RULES" >"$WORK/promtool.log" 2>&1 || fail "promtool rejects the rules: $(cat "$WORK/promtool.log")"
python3 "$CHECK" dashboard "$DASH" >/dev/null || fail "the dashboard's structure is invalid"

# --- the receivers: listen with triage, per-sender series and a syslog output with no server;
#     attach on another port of the same interface ---
LISTEN_PORT=9666
ATTACH_PORT=9667
PROM_PORT=9090
# Not through rx(): `rx ... &` forks a subshell, and $! would be that subshell, not ncxdp.
ip netns exec "$RX_NS" "$NCXDP" listen --port 6666 --triage --metrics "127.0.0.1:$LISTEN_PORT" --metrics-sources 100 \
  --out "jsonl:$WORK/listen.jsonl" --out "syslog://127.0.0.1:5599?proto=tcp&drain=0" 2>"$WORK/listen.err" &
LISTEN_PID=$!
PIDS+=("$LISTEN_PID")
ip netns exec "$RX_NS" "$NCXDP" attach vrx --port 6670 --metrics "127.0.0.1:$ATTACH_PORT" --out "jsonl:$WORK/attach.jsonl" \
  2>"$WORK/attach.err" &
ATTACH_PID=$!
PIDS+=("$ATTACH_PID")
scrape() { rx curl -sf --noproxy '*' --max-time 5 "http://127.0.0.1:$1/metrics"; }
for port in $LISTEN_PORT $ATTACH_PORT; do
  for ((i = 0; i < 100; i++)); do
    scrape "$port" >/dev/null 2>&1 && break
    kill -0 "$LISTEN_PID" 2>/dev/null || fail "ncxdp listen exited: $(cat "$WORK/listen.err")"
    kill -0 "$ATTACH_PID" 2>/dev/null || fail "ncxdp attach exited: $(cat "$WORK/attach.err")"
    sleep 0.1
  done
done

# --- Prometheus with the shipped rules, before the storm (so a cluster count going up is seen) ---
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES
scrape_configs:
  - job_name: ncxdp
    static_configs:
      - targets: ['127.0.0.1:$LISTEN_PORT', '127.0.0.1:$ATTACH_PORT']
EOF
promtool check config "$WORK/prometheus.yml" >"$WORK/promtool.log" 2>&1 ||
  fail "promtool rejects the test's prometheus.yml: $(cat "$WORK/promtool.log")"
ip netns exec "$RX_NS" prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.out" 2>"$WORK/prometheus.log" &
PROM_PID=$!
PIDS+=("$PROM_PID")
api() { rx curl -sf --noproxy '*' --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/$1" "${@:2}"; }
query() { api query --data-urlencode "query=$1"; }
for ((i = 0; i < 200; i++)); do
  rx curl -sf --noproxy '*' "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
for ((i = 0; i < 100; i++)); do
  [[ $(query 'sum(up{job="ncxdp"})' 2>/dev/null | jq -r '.data.result[0].value[1] // 0') == 2 ]] && break
  sleep 0.1
done
[[ $(query 'sum(up{job="ncxdp"})' | jq -r '.data.result[0].value[1] // 0') == 2 ]] ||
  fail "Prometheus does not scrape both receivers: $(tail -5 "$WORK/prometheus.log")"
sleep 2 # a few samples from before the storm

# --- a small panic storm to listen; numbered messages (with a seq gap) to attach ---
ip netns exec "$TX_NS" timeout 60 "$STORM" send --iface vtx --dst "$RX_V4" --dst-mac "$RX_MAC" --dst-port 6666 \
  --src-net 10.199.64.0/24 --hosts 30 --scenario panic --burst 40 --bugs 3 --formats mixed --pps 20000 --quiet \
  --manifest "$WORK/storm.json" 2>"$WORK/storm.err" || fail "ncxdp-storm send failed: $(tail -3 "$WORK/storm.err")"
ip netns exec "$TX_NS" timeout 30 "$NC_SEND" --pps 20000 --expect "$WORK/attach.expect" --to "$RX_V4:6670" \
  gen --src "${TX_V4[0]}" --src-ports 7000-7003 --count 50 --format mixed 2>"$WORK/nc_send.err" ||
  fail "nc_send failed: $(cat "$WORK/nc_send.err")"
want=$(jq '.expected // .sent.records' "$WORK/storm.json")
wait_lines "$WORK/listen.jsonl" "$want" 30 || fail "listen wrote $(wc -l <"$WORK/listen.jsonl") records of $want"
wait_lines "$WORK/attach.jsonl" "$(wc -l <"$WORK/attach.expect")" 30 || fail "attach lost records"
# Triage counts a report when it ends; the storm's panics end with their end marker.
for ((i = 0; i < 100; i++)); do
  scrape "$LISTEN_PORT" >"$WORK/listen.metrics"
  grep -q '^ncxdp_triage_hosts{state="panicked"} 30$' "$WORK/listen.metrics" && break
  sleep 0.1
done
grep -q '^ncxdp_triage_hosts{state="panicked"} 30$' "$WORK/listen.metrics" ||
  fail "triage did not count 30 panicked hosts: $(grep ncxdp_triage "$WORK/listen.metrics")"
sleep 1.5 # the per-sender series and the sink counters are published every 100 ms and 1 s
scrape "$LISTEN_PORT" >"$WORK/listen.metrics"
scrape "$ATTACH_PORT" >"$WORK/attach.metrics"
log "OK: listen: $want storm records, $(grep '^ncxdp_triage_clusters' "$WORK/listen.metrics")"

# --- every metric the rules and the dashboard use exists ---
python3 "$CHECK" names "$RULES" "$DASH" "$WORK/listen.metrics" "$WORK/attach.metrics" \
  --only-in ncxdp_xdp_ ncxdp_xsk_ >"$WORK/names.log" 2>&1 || fail "$(cat "$WORK/names.log")"
log "OK: $(cat "$WORK/names.log")"

# --- the rules in a real server: healthy, recording, and the storm's alerts ---
# firing NAME INSTANCE STATE: waits until the alert for that receiver is in STATE.
expect_alert() {
  local name=$1 instance=$2 state=$3 i
  for ((i = 0; i < 100; i++)); do
    api alerts >"$WORK/alerts.json" 2>/dev/null || true
    if [[ $(jq -r --arg n "$name" --arg i "$instance" \
      '[.data.alerts[] | select(.labels.alertname == $n and .labels.instance == $i) | .state] | first // "none"' \
      "$WORK/alerts.json") == "$state" ]]; then
      log "OK: $name is $state for $instance"
      return 0
    fi
    sleep 0.1
  done
  fail "$name is not $state for $instance: $(jq -c '[.data.alerts[] | {a: .labels.alertname, i: .labels.instance, s: .state}]' "$WORK/alerts.json")"
}
expect_alert NcxdpPanicBurst "127.0.0.1:$LISTEN_PORT" firing
expect_alert NcxdpNewCrashCluster "127.0.0.1:$LISTEN_PORT" firing
expect_alert NcxdpOutputDisconnected "127.0.0.1:$LISTEN_PORT" pending
api alerts >"$WORK/alerts.json"
unexpected=$(jq -r '[.data.alerts[].labels.alertname] - ["NcxdpPanicBurst", "NcxdpNewCrashCluster",
  "NcxdpOutputDisconnected"] | unique | join(", ")' "$WORK/alerts.json")
[[ -z $unexpected ]] || fail "alerts that must not be active: $unexpected ($(jq -c '.data.alerts' "$WORK/alerts.json"))"
api rules >"$WORK/rules.json"
bad=$(jq -r '[.data.groups[].rules[] | select(.health != "ok") | "\(.name): \(.lastError)"] | join("; ")' "$WORK/rules.json")
[[ -z $bad ]] || fail "rules that do not evaluate: $bad"
rules=$(jq '[.data.groups[].rules[]] | length' "$WORK/rules.json")
[[ $rules -eq $(grep -cE '^\s+- (record|alert):' "$RULES") ]] || fail "Prometheus loaded $rules rules"
for series in 'ncxdp:records:rate1m{format="extended"}' 'ncxdp:datagrams:rate1m' 'ncxdp:ring_fill:max' \
  'ncxdp:triage_events:rate5m{kind="panic"}' 'ncxdp:lost:rate5m{cause="ring_full"}' 'ncxdp:lost:rate5m{cause="xsk_rx_ring_full"}'; do
  [[ $(query "$series" | jq '.data.result | length') -gt 0 ]] || fail "recording rule gives no $series"
done
log "OK: $rules rules evaluate in Prometheus; the recording rules produce series"

# --- every dashboard expression parses in Prometheus ---
n=0
while IFS= read -r expr; do
  query "$expr" >"$WORK/q.json" 2>&1 || fail "Prometheus rejects the dashboard expression: $expr"
  [[ $(jq -r .status "$WORK/q.json") == success ]] || fail "dashboard expression failed: $expr: $(cat "$WORK/q.json")"
  n=$((n + 1))
done < <(python3 "$CHECK" exprs "$DASH")
# The top senders table has rows: the storm's hosts are there.
[[ $(query 'topk(10, sum by (source) (rate(ncxdp_source_datagrams_total[1m])))' | jq '.data.result | length') -eq 10 ]] ||
  fail "no top senders"
log "OK: all $n dashboard expressions are valid PromQL"

# Prometheus is done; stop it now so the EXIT trap does not wait on its shutdown.
kill -KILL "$PROM_PID" 2>/dev/null || true
kill -TERM "$LISTEN_PID" "$ATTACH_PID"
wait_exit "$LISTEN_PID" 30
wait_exit "$ATTACH_PID" 30
log "PASS"
