#!/usr/bin/env bash
# `ncxdp triage` end to end, with exact expected counts:
#   A. the committed kernel fixtures (real reports from Debian's 6.1 and 6.12 kernels, received by
#      ncxdp listen as JSON lines): every report found, the same bugs grouped across releases;
#   B. a mass-panic storm from ncxdp-storm (10,000 hosts, 4 bugs, 6.1/6.18/plain targets) written
#      to a pcap: the clusters found must be the generator's bugs, host for host (from its
#      manifest), and the pcap, the JSON lines and the dir: output of `ncxdp replay` on that
#      capture must give the same report; --html writes a self-contained page;
#   C. an oops storm without panics (3 bugs): nobody panicked;
#   D. live: `ncxdp attach --triage` with --metrics while ncxdp-storm sends through a veth: the
#      Prometheus families and the exit report count the storm's bugs exactly;
#   E. errors: a missing input, a file that is not ncxdp output.
# Usage: triage_test.sh BUILD_DIR (ctest passes it). Needs root for part D; exit 77 = skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
STORM="$BUILD/ncxdp-storm"
[[ -x $STORM ]] || fail "$STORM not built"
command -v python3 >/dev/null || skip "python3 not installed"
command -v curl >/dev/null || skip "curl not installed"
FIXTURES="$(cd "$(dirname "$0")/../triage/fixtures" && pwd)"

triage_json() { # OUT INPUT... : the JSON report of these inputs into OUT
  local out=$1 rc=0
  shift
  timeout 120 "$NCXDP" triage --json "$@" >"$out" 2>"$out.err" || rc=$?
  [[ $rc -eq 0 ]] || fail "ncxdp triage $* exited $rc: $(cat "$out.err")"
}

# --- A: real kernel reports from the fixtures ---
triage_json "$WORK/fixtures.json" "$FIXTURES"/*.netconsole.jsonl
# Every fixture was received from the one guest address. Per kernel, the main boot printed 3 WARNs,
# 1 hung task, 1 RCU stall, 4 oopses, 1 OOM kill and its soft lockup reports (6.1 printed two,
# 6.12 one); the other boots one oops that panicked, one panic() and one fatal machine check.
python3 - "$WORK/fixtures.json" <<'EOF' || fail "fixtures: report differs (above)"
import json, sys
r = json.load(open(sys.argv[1]))
want = {"warning": 6, "hung_task": 2, "rcu_stall": 2, "oops": 10, "oom_kill": 2, "soft_lockup": 3,
        "panic": 2, "machine_check": 2, "bug": 0, "hard_lockup": 0}
bad = []
if r["events_by_kind"] != want: bad.append(f"events_by_kind {r['events_by_kind']}")
if r["hosts"] != {"seen": 1, "affected": 1, "panicked": 1}: bad.append(f"hosts {r['hosts']}")
# 10 bugs in the main boots (two WARN sites, hung task, soft lockup, RCU stall, BUG, NULL, page
# fault, GPF, OOM) + panic() + machine check; the panic_on_oops boot is main's NULL dereference.
if r["clusters_total"] != 12: bad.append(f"clusters_total {r['clusters_total']}")
for c in r["clusters"]:
    rel = sorted(x["release"] for x in c["releases"])
    if rel != ["6.1.0-56-amd64", "6.12.117+deb12-amd64"]: bad.append(f"{c['reason']}: releases {rel}")
null = [c for c in r["clusters"] if c["class"] == "kernel NULL pointer dereference"]
if len(null) != 1 or null[0]["events"] != 4 or null[0]["panic"] != "Fatal exception":
    bad.append(f"NULL dereference cluster {null}")
if bad: print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
log "OK: fixtures: 29 reports from Debian 6.1 and 6.12 in 12 clusters, each bug on both releases"

# --- B: a mass-panic storm with known clusters ---
"$STORM" send --pcap "$WORK/storm.pcap" --dst 10.199.1.1 --hosts 10000 --formats mixed --scenario panic \
  --burst 40 --bugs 4 --manifest "$WORK/storm.manifest.json" --quiet 2>"$WORK/storm.err" ||
  fail "ncxdp-storm send --pcap failed: $(cat "$WORK/storm.err")"
start=$(date +%s%N)
triage_json "$WORK/storm.pcap.json" "$WORK/storm.pcap" --html "$WORK/storm.html"
log "triage of $(jq '.sent.datagrams' "$WORK/storm.manifest.json") datagrams took $((($(date +%s%N) - start) / 1000000)) ms"

# The generator gives host i (in manifest order) bug i % bugs: 0 a NULL dereference in nvme, 1 a
# GPF in ext4, 2 kernel BUG in slub, 3 a soft lockup in kcompactd; every host then panics.
# A BUG the allocator detects (a double free in __slab_free) is its caller's bug: the signature
# skips allocator frames (SignatureRules) and names skb_release_data, as syzbot's titles do.
# 6.18 targets name release 6.18.0-1-amd64, the others 6.1.0-56-amd64.
check_storm() { # REPORT MANIFEST PANICKED(0|1)
  python3 - "$@" <<'EOF'
import json, sys
report, manifest, panicked = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3] == "1"
bugs = manifest["config"]["bugs"]
hosts = manifest["per_host"]
bug_of = {h["src"]: i % bugs for i, h in enumerate(hosts)}
kinds = {0: ("oops", "kernel NULL pointer dereference", "nvme_pci_complete_rq [nvme]"),
         1: ("oops", "general protection fault", "ext4_mb_regular_allocator [ext4]"),
         2: ("oops", "kernel BUG", "skb_release_data"),
         3: ("soft_lockup", "soft lockup", "isolate_migratepages_block")}
bad = []
n = len(hosts)
if report["hosts"] != {"seen": n, "affected": n, "panicked": n if panicked else 0}:
    bad.append(f"hosts {report['hosts']}, want {n} seen and affected")
if report["clusters_total"] != bugs: bad.append(f"{report['clusters_total']} clusters, want {bugs}")
if report["events"] != n: bad.append(f"{report['events']} events, want one per host")
seen = set()
for c in report["clusters"]:
    residues = {bug_of[h] for h in c["example_hosts"]}
    if len(residues) != 1:
        bad.append(f"cluster {c['id']} mixes bugs {residues}")
        continue
    bug = residues.pop()
    seen.add(bug)
    members = [h for i, h in enumerate(hosts) if i % bugs == bug]
    kind, cls, top = kinds[bug % 4]
    if (c["kind"], c["class"], c["frames"][0]) != (kind, cls, top):
        bad.append(f"bug {bug}: {c['kind']}/{c['class']}/{c['frames'][0]}, want {kind}/{cls}/{top}")
    if c["hosts"] != len(members) or c["events"] != len(members):
        bad.append(f"bug {bug}: {c['hosts']} hosts, {c['events']} events, want {len(members)}")
    if c["hosts_panicked"] != (len(members) if panicked else 0):
        bad.append(f"bug {bug}: {c['hosts_panicked']} panicked")
    want_rel = {}
    for h in members:
        rel = "6.18.0-1-amd64" if h["kind"] == "extended-6.18" else "6.1.0-56-amd64"
        want_rel[rel] = want_rel.get(rel, 0) + 1
    got_rel = {r["release"]: r["events"] for r in c["releases"]}
    if got_rel != want_rel: bad.append(f"bug {bug}: releases {got_rel}, want {want_rel}")
    # Example hosts: the first five to report it (the generator sends host by host in order).
    if c["example_hosts"] != [h["src"] for h in members[:5]]:
        bad.append(f"bug {bug}: example hosts {c['example_hosts']}")
if seen != set(range(bugs)): bad.append(f"bugs found {sorted(seen)}")
if sum(p["hosts"] for p in report["timeline"]) != n: bad.append("timeline does not count every host once")
if bad: print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
check_storm "$WORK/storm.pcap.json" "$WORK/storm.manifest.json" 1 || fail "pcap: report does not match the storm"
log "OK: pcap: 10000 hosts, 4 clusters of 2500 exactly as generated, all panicked"

# The same capture through `ncxdp replay` into JSON lines and a dir: folder reads back the same.
timeout 120 "$NCXDP" replay "$WORK/storm.pcap" --out "jsonl:$WORK/storm.jsonl" --out "dir:$WORK/storm.dir" \
  2>"$WORK/replay.err" || fail "ncxdp replay failed: $(cat "$WORK/replay.err")"
triage_json "$WORK/storm.jsonl.json" "$WORK/storm.jsonl"
triage_json "$WORK/storm.dir.json" "dir:$WORK/storm.dir"
check_storm "$WORK/storm.jsonl.json" "$WORK/storm.manifest.json" 1 || fail "jsonl: report does not match the storm"
check_storm "$WORK/storm.dir.json" "$WORK/storm.manifest.json" 1 || fail "dir: report does not match the storm"
cmp <(jq -S . "$WORK/storm.pcap.json") <(jq -S . "$WORK/storm.jsonl.json") ||
  fail "pcap and jsonl reports differ"
cmp <(jq -S . "$WORK/storm.pcap.json") <(jq -S . "$WORK/storm.dir.json") || fail "pcap and dir: reports differ"
log "OK: jsonl and dir: inputs give the pcap's report"

# The HTML page: self-contained, the chart and one row per cluster.
grep -q '<svg' "$WORK/storm.html" || fail "html: no chart"
[[ $(grep -c '<tr class="cluster"' "$WORK/storm.html") -eq 4 ]] || fail "html: not 4 cluster rows"
grep -q '<td id="hosts-affected">10000</td>' "$WORK/storm.html" || fail "html: hosts affected"
! grep -Eq '<script|src=|href=|@import' "$WORK/storm.html" || fail "html: refers to something outside the page"
# The text report leads with the fleet summary.
timeout 60 "$NCXDP" triage "$WORK/storm.pcap" >"$WORK/storm.txt" 2>&1 || fail "text report failed"
grep -q '^hosts:    10000 seen, 10000 affected, 10000 panicked$' "$WORK/storm.txt" || fail "text: $(head -3 "$WORK/storm.txt")"
log "OK: html and text reports"

# Why hosts share a cluster: the text report says which frames were skipped and why, --explain
# lists every frame of the earliest event of each release; a wrong id is an error that says so.
grep -q '^  skipped   .*: ' "$WORK/storm.txt" || fail "text: no 'skipped' line"
id=$(jq -r '.clusters[] | select(.class == "kernel BUG") | .id' "$WORK/storm.pcap.json")
[[ -n $id ]] || fail "no kernel BUG cluster to explain"
timeout 60 "$NCXDP" triage "$WORK/storm.pcap" --explain "${id:0:6}" >"$WORK/explain.txt" 2>&1 ||
  fail "--explain ${id:0:6} failed: $(cat "$WORK/explain.txt")"
grep -q "^cluster $id  oops: kernel BUG$" "$WORK/explain.txt" || fail "--explain: $(head -2 "$WORK/explain.txt")"
grep -q '^  used      skb_release_data$' "$WORK/explain.txt" || fail "--explain: skb_release_data not used"
grep -q '^  skipped   __slab_free  (allocator' "$WORK/explain.txt" ||
  fail "--explain: __slab_free not skipped as an allocator: $(grep slab "$WORK/explain.txt")"
[[ $(grep -c '^event from .*, release ' "$WORK/explain.txt") -eq 2 ]] ||
  fail "--explain: want the earliest event of each of the 2 releases"
rc=0
"$NCXDP" triage "$WORK/storm.pcap" --explain 0000000000zz >/dev/null 2>"$WORK/explain.err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "no cluster with that id" "$WORK/explain.err" ||
  fail "--explain of an unknown id: exit $rc, $(cat "$WORK/explain.err")"
log "OK: skipped frames in the text report, --explain"

# --- C: oopses without panics ---
"$STORM" send --pcap "$WORK/oops.pcap" --dst 10.199.1.1 --hosts 3000 --scenario oops --bugs 3 \
  --manifest "$WORK/oops.manifest.json" --quiet 2>"$WORK/oops.err" || fail "ncxdp-storm send failed: $(cat "$WORK/oops.err")"
triage_json "$WORK/oops.json" "$WORK/oops.pcap"
check_storm "$WORK/oops.json" "$WORK/oops.manifest.json" 0 || fail "oops storm: report does not match"
log "OK: oops storm: 3000 hosts, 3 clusters, none panicked"

# --- D: live, on the sink thread, exported as metrics ---
setup_netns
RX_MAC=$(ip -n "$RX_NS" -j link show vrx | jq -r '.[0].address')
METRICS_PORT=9667
rx() { ip netns exec "$RX_NS" "$@"; }
scrape() { rx curl -sf --noproxy '*' --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics"; }
ip netns exec "$RX_NS" "$NCXDP" attach vrx --port 6666 --out "jsonl:$WORK/live.jsonl" --triage \
  --triage-report "$WORK/live.json" --metrics "127.0.0.1:$METRICS_PORT" -v 2>"$WORK/live.err" &
LIVE_PID=$!
PIDS+=("$LIVE_PID")
for ((i = 0; i < 100; i++)); do
  scrape >/dev/null 2>&1 && break
  kill -0 "$LIVE_PID" 2>/dev/null || fail "ncxdp attach exited: $(cat "$WORK/live.err")"
  sleep 0.1
done
ip netns exec "$TX_NS" timeout 60 "$STORM" send --iface vtx --dst "$RX_V4" --dst-mac "$RX_MAC" \
  --src-net 10.199.64.0/18 --hosts 400 --scenario panic --burst 40 --bugs 4 --pps 20000 \
  --manifest "$WORK/live.manifest.json" --quiet 2>"$WORK/live.send.err" ||
  fail "ncxdp-storm send failed: $(cat "$WORK/live.send.err")"
# The sink thread publishes at the end of each batch; the last report ends with its panic marker.
want_oops=300
for ((i = 0; i < 100; i++)); do
  scrape >"$WORK/live.metrics" 2>/dev/null || true
  grep -q "^ncxdp_triage_events_total{kind=\"oops\"} $want_oops\$" "$WORK/live.metrics" && break
  sleep 0.1
done
for line in "ncxdp_triage_events_total{kind=\"oops\"} 300" "ncxdp_triage_events_total{kind=\"soft_lockup\"} 100" \
  "ncxdp_triage_events_total{kind=\"warning\"} 0" "ncxdp_triage_clusters 4" \
  "ncxdp_triage_hosts{state=\"seen\"} 400" "ncxdp_triage_hosts{state=\"affected\"} 400" \
  "ncxdp_triage_hosts{state=\"panicked\"} 400" "ncxdp_triage_open_reports 0"; do
  grep -qxF "$line" "$WORK/live.metrics" || fail "metrics: no '$line' in $(grep '^ncxdp_triage' "$WORK/live.metrics")"
done
if command -v promtool >/dev/null; then
  promtool check metrics <"$WORK/live.metrics" || fail "promtool rejects /metrics with --triage"
fi
kill -TERM "$LIVE_PID"
wait_exit "$LIVE_PID" 20
[[ $WAIT_RC -eq 0 ]] || fail "ncxdp attach --triage exited $WAIT_RC: $(tail -5 "$WORK/live.err")"
check_storm "$WORK/live.json" "$WORK/live.manifest.json" 1 || fail "live: --triage-report does not match the storm"
grep -q '^ncxdp attach --triage: 16000 messages, 400 events in 4 clusters$' "$WORK/live.err" ||
  fail "live: no exit summary: $(grep -A3 triage "$WORK/live.err" | head -5)"
# The capture path is untouched: every record still reached the JSON lines output.
"$STORM" check --json --manifest "$WORK/live.manifest.json" "$WORK/live.jsonl" >"$WORK/live.check" ||
  fail "live: the output lost records: $(cat "$WORK/live.check")"
log "OK: live: 400 hosts, metrics and exit report exact, output complete"

# --- E: errors ---
rc=0
"$NCXDP" triage "$WORK/nonexistent.jsonl" 2>"$WORK/e1" || rc=$?
[[ $rc -eq 1 ]] && grep -q "nonexistent.jsonl" "$WORK/e1" || fail "missing input: exit $rc, $(cat "$WORK/e1")"
printf 'not\nncxdp output\n' >"$WORK/junk.txt"
rc=0
"$NCXDP" triage "$WORK/junk.txt" 2>"$WORK/e2" || rc=$?
[[ $rc -eq 1 ]] && grep -q "is not ncxdp JSON lines" "$WORK/e2" || fail "junk input: exit $rc, $(cat "$WORK/e2")"
rc=0
"$NCXDP" triage 2>"$WORK/e3" || rc=$?
[[ $rc -eq 2 ]] || fail "no input: exit $rc"
log "OK: errors"
