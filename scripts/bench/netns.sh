# Shared by the capture-path benchmarks (sourced, not run): two network namespaces of this run
# joined by one veth pair, a tmpfs scratch directory, and the EXIT trap that removes them and
# stops the receiver the benchmark started (RX_PID). Nothing outside the namespaces is touched.
# shellcheck shell=bash

# bench_netns NAME RXDEV TXDEV: sets RX, TX (namespace names), SHM and RX_PID, installs the
# trap, creates both namespaces with loopback up and the veth pair RXDEV (in RX) - TXDEV (in TX).
# Addresses and link state are the caller's.
bench_netns() {
  local name=$1 rxdev=$2 txdev=$3
  RX=ncxdp-$name-rx-$$
  TX=ncxdp-$name-tx-$$
  SHM=$(mktemp -d "/dev/shm/ncxdp-$name.XXXXXX")
  RX_PID=""
  trap bench_cleanup EXIT
  ip netns add "$RX"
  ip netns add "$TX"
  ip -n "$RX" link add "$rxdev" type veth peer name "$txdev" netns "$TX"
  ip -n "$RX" link set lo up
  ip -n "$TX" link set lo up
}

bench_cleanup() {
  if [[ -n $RX_PID ]]; then kill "$RX_PID" 2>/dev/null || true; wait "$RX_PID" 2>/dev/null || true; fi
  ip netns del "$RX" 2>/dev/null || true
  ip netns del "$TX" 2>/dev/null || true
  rm -rf "$SHM"
}
