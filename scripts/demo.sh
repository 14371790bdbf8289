#!/usr/bin/env bash
# `sudo make demo`: a netconsole receiver in a sandbox. Two network namespaces joined by a veth
# pair stand in for a receiver and a small fleet: ncxdp-storm (the benchmark's generator)
# simulates 21 hosts with their own addresses, one of them IPv6, running 6.1 and 6.18 extended
# targets and plain ones. The fleet replays its boot logs and then fails: oopses with call traces
# (the same bug on several hosts), a WARNING, panics, long lines cut into fragments (sent out of
# order), and lost messages (gaps). ncxdp receives it all, prints it, writes JSON lines and one
# file per host; the demo shows what was captured, checks it against the generator's manifest,
# and ends with `ncxdp triage` of the capture: which crashes, on which hosts. Exit status 0.
# Everything is created here and removed on exit; nothing touches the host's network.
set -euo pipefail
build=${1:-build}
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
ncxdp=$build/ncxdp
storm=$build/ncxdp-storm

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
die() { echo "demo: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root to create network namespaces (run: sudo make demo)"
[[ -x $ncxdp && -x $storm ]] || die "$ncxdp or $storm not built (run: make)"

rx=ncxdp-demo-rx-$$
tx=ncxdp-demo-tx-$$
work=$(mktemp -d /tmp/ncxdp-demo.XXXXXX)
pid=""
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  ip netns del "$rx" 2>/dev/null || true
  ip netns del "$tx" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say "sandbox: namespaces $rx (receiver, 10.99.0.1) and $tx (the fleet) joined by a veth pair"
ip netns add "$rx"
ip netns add "$tx"
ip link add veth-rx netns "$rx" type veth peer name veth-tx netns "$tx"
for ns in "$rx" "$tx"; do
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
ip -n "$rx" addr add 10.99.0.1/24 dev veth-rx
ip -n "$rx" addr add fd00:99::1/64 dev veth-rx nodad
# The simulated hosts' addresses exist only in the frames ncxdp-storm crafts; this one answers ping.
ip -n "$tx" addr add 10.99.0.250/24 dev veth-tx
ip -n "$rx" link set veth-rx up
ip -n "$tx" link set veth-tx up

say "receiver: ncxdp attach veth-rx --port 6666 --out text --out jsonl:records.jsonl --out dir:hosts/"
# XDP on the receiving veth steers netconsole UDP into AF_XDP sockets; everything else goes on to
# the kernel as before.
ip netns exec "$rx" "$ncxdp" attach veth-rx --port 6666 --out text --out "jsonl:$work/records.jsonl" \
  --out "dir:$work/hosts" &
pid=$!
for _ in $(seq 200); do
  ip -n "$rx" -d link show dev veth-rx | grep -q 'prog/xdp' && break
  sleep 0.05
done
ip -n "$rx" -d link show dev veth-rx | grep -q 'prog/xdp' || die "ncxdp attach did not come up"

say "fleet: ncxdp-storm send --hosts 21 --scenario mixed (boot logs, oopses, a WARNING, panics, fragments, gaps)"
# Every 13th message of the extended hosts is withheld (a lost datagram: ncxdp reports the gap),
# and fragments go last first. 2,000 datagrams/s keeps it readable.
rx_mac=$(ip -n "$rx" -j link show veth-rx | jq -r '.[0].address')
ip netns exec "$tx" "$storm" send --iface veth-tx --dst 10.99.0.1 --dst6 fd00:99::1 --dst-mac "$rx_mac" \
  --src-net 10.99.0.0/24 --src-net6 fd00:99:: --hosts 21 --v6-every 21 --scenario mixed --withhold-every 13 \
  --reverse-fragments --pps 2000 --quiet --manifest "$work/manifest.json"

say "the host's other traffic still flows: ping through the interface XDP is attached to"
ip netns exec "$tx" ping -c 2 -i 0.2 -W 2 10.99.0.1 | tail -2

# Let the receiver drain, then stop it the way an operator would: SIGTERM flushes everything.
sleep 1.5
kill -TERM "$pid"
# bpf_link: the XDP program goes away with the process.
wait "$pid" || die "ncxdp exited with status $?"
pid=""
ip -n "$rx" -d link show dev veth-rx | grep -q 'prog/xdp' && die "XDP program still attached after exit"

say "what was captured"
jq -rs '
  (map(select(.event == null))) as $m |
  "records: \($m | length) from \($m | map(.src) | unique | length) sources " +
  "(\($m | map(select(.format == "extended")) | length) extended, \($m | map(select(.format == "plain")) | length) plain)",
  (map(select(.event == "gap"))) as $g |
  "gaps:    \($g | length) gap events, e.g. \($g[:3] | map("\(.src) lost \(.field) \(.from)..\(.to)") | join(", "))",
  "panics:  \($m | map(select(.text | test("^Kernel panic"))) | map(.src) | unique | join(", "))",
  "oopses:  \($m | map(select(.text | test("^Oops:"))) | map(.src) | unique | join(", "))",
  "longest: \($m | max_by(.text | length) | "\(.text | length) bytes from \(.src) (fragments reassembled)")"
' "$work/records.jsonl"
say "checked against what the generator sent (ncxdp-storm check --manifest)"
"$storm" check --manifest "$work/manifest.json" "$work/records.jsonl" | sed 's/^/  /'
say "one file per host in dir:hosts/ (named from address and port only)"
# sed, not head: a reader that stops early would kill the writer with SIGPIPE, and under pipefail
# the demo would "fail" after a perfect run.
ls "$work/hosts" | sed -n '1,8s/^/  /p'
echo "  ... $(ls "$work/hosts" | wc -l) files"
say "a record as JSON (docs/record-format.md)"
jq -cn 'first(inputs | select(.dict != null and (.dict | length) > 2))' "$work/records.jsonl"
say "the question that comes next, what crashed and where: ncxdp triage records.jsonl"
"$ncxdp" triage --top 5 "$work/records.jsonl"
