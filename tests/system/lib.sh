# Shared helpers for the namespace system tests (sourced, not run; ctest only runs *_test.sh).
# Everything networked lives in two namespaces created here, joined by one veth pair, with
# addresses that exist nowhere else; the EXIT trap kills only the PIDs recorded in PIDS and
# deletes only the namespaces and the temp directory created here.
# shellcheck shell=bash

RX_NS="ncxdp-rx-$$"
TX_NS="ncxdp-tx-$$"
RX_V4=10.199.1.1
TX_V4=(10.199.1.2 10.199.1.3)
RX_V6=fd00:199::1
TX_V6=(fd00:199::2 fd00:199::3)
PIDS=()
NS_CREATED=()
WORK=""

source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"

cleanup() {
  local rc=$?
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  local ns
  for ns in "${NS_CREATED[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  if [[ -n "$WORK" && -d "$WORK" ]]; then
    if [[ $rc -ne 0 && $rc -ne 77 ]]; then
      log "kept $WORK for inspection"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$rc"
}

# Checks privileges and tools, sets BUILD/NCXDP/NC_SEND from $1 and the trap.
init_test() {
  BUILD="${1:-}"
  [[ -n "$BUILD" && -d "$BUILD" ]] || fail "usage: $0 BUILD_DIR"
  BUILD="$(cd "$BUILD" && pwd)"
  NCXDP="$BUILD/ncxdp"
  NC_SEND="$BUILD/nc_send"
  [[ -x "$NCXDP" ]] || fail "$NCXDP not built"
  [[ -x "$NC_SEND" ]] || fail "$NC_SEND not built"
  trap cleanup EXIT
  [[ $(id -u) -eq 0 ]] || skip "needs root for network namespaces"
  command -v ip >/dev/null || skip "ip (iproute2) not installed"
  command -v jq >/dev/null || skip "jq not installed"
  [[ -d /proc/sys/net/ipv6 ]] || skip "IPv6 is disabled in this kernel"
  WORK="$(mktemp -d /tmp/ncxdp-systest.XXXXXX)"
}

# Two namespaces joined by veth: rx holds RX_V4/RX_V6, tx holds the TX_* addresses.
setup_netns() {
  ip netns add "$RX_NS" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed)"
  NS_CREATED+=("$RX_NS")
  ip netns add "$TX_NS"
  NS_CREATED+=("$TX_NS")
  # No duplicate address detection: nothing else is on this link, and DAD would delay IPv6.
  local ns
  for ns in "$RX_NS" "$TX_NS"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  done
  # Created inside rx with the peer moved straight into tx: the host's namespace never sees it.
  ip -n "$RX_NS" link add vrx type veth peer name vtx netns "$TX_NS" || skip "cannot create a veth pair"
  ip -n "$RX_NS" link set lo up
  ip -n "$TX_NS" link set lo up
  ip -n "$RX_NS" addr add "$RX_V4/24" dev vrx
  ip -n "$RX_NS" addr add "$RX_V6/64" dev vrx nodad
  local a
  for a in "${TX_V4[@]}"; do ip -n "$TX_NS" addr add "$a/24" dev vtx; done
  for a in "${TX_V6[@]}"; do ip -n "$TX_NS" addr add "$a/64" dev vtx nodad; done
  ip -n "$RX_NS" link set vrx up
  ip -n "$TX_NS" link set vtx up
  # Bounded wait for both ends to be usable: carrier on both sides, no address still tentative.
  local i
  for ((i = 0; i < 100; i++)); do
    if ip -n "$RX_NS" -o link show vrx | grep -q LOWER_UP &&
      ip -n "$TX_NS" -o link show vtx | grep -q LOWER_UP &&
      [[ -z "$(ip -n "$RX_NS" addr show tentative)$(ip -n "$TX_NS" addr show tentative)" ]]; then
      return 0
    fi
    sleep 0.05
  done
  fail "veth link between $TX_NS and $RX_NS did not come up"
}

# Waits (bounded) until something in namespace $1 listens on UDP port $2.
wait_udp_listener() {
  local ns=$1 port=$2 i
  for ((i = 0; i < 100; i++)); do
    if [[ -n "$(ip netns exec "$ns" ss -Hlun "sport = :$port" 2>/dev/null)" ]]; then return 0; fi
    sleep 0.05
  done
  fail "nothing listens on udp port $port in $ns after 5 s"
}

# Waits (bounded, 5 s) until `ncxdp attach`, whose stderr is file $1, has its AF_XDP sockets up
# (the -v setup line); fails with what it printed otherwise.
wait_attached() {
  local err=$1 i
  for ((i = 0; i < 100; i++)); do
    grep -q 'AF_XDP' "$err" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "ncxdp attach did not come up: $(cat "$err")"
}

# Waits (bounded, $3 seconds) until file $1 has at least $2 lines.
wait_lines() {
  local file=$1 want=$2 secs=$3 i have=0
  for ((i = 0; i < secs * 20; i++)); do
    have=$(wc -l <"$file" 2>/dev/null || echo 0)
    ((have >= want)) && return 0
    sleep 0.05
  done
  log "$file has $have lines, expected $want"
  return 1
}

# Waits (bounded, $2 seconds) for PID $1 to exit; sets WAIT_RC to its exit status.
wait_exit() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 20; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      WAIT_RC=0
      wait "$pid" || WAIT_RC=$?
      return 0
    fi
    sleep 0.05
  done
  fail "process $pid still running after $secs s"
}

# Canonical form for comparing records: "src<TAB>json" with sorted keys and no recv_ts, sorted
# stably by source only, so each source's records keep their order (which must be send order).
canonical() {
  jq -c -S 'del(.recv_ts)' "$1" | jq -r '[.src, tojson] | @tsv' | LC_ALL=C sort -s -t$'\t' -k1,1
}

# Compares a receiver's jsonl output ($1) with nc_send's expectations ($2), exactly.
compare_records() {
  local got=$1 want=$2
  canonical "$got" >"$got.canon"
  canonical "$want" >"$want.canon"
  if ! diff -u "$want.canon" "$got.canon" >"$got.diff"; then
    log "records differ from what was sent (first lines of $got.diff):"
    head -40 "$got.diff" >&2
    return 1
  fi
  log "OK: $(wc -l <"$want") records match exactly ($got)"
}
