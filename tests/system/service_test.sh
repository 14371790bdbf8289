#!/usr/bin/env bash
# The systemd unit (packaging/systemd/ncxdp@.service): systemd-analyze accepts it without a
# warning, and the capabilities it grants are exactly enough. `ncxdp attach` runs as an
# unprivileged user (nobody) holding only the unit's AmbientCapabilities and receives every
# record; without any one of them it fails with a line that names what is missing.
# Usage: service_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
UNIT="$(cd "$(dirname "$0")/../.." && pwd)/packaging/systemd/ncxdp@.service"
[[ -f "$UNIT" ]] || fail "no unit file at $UNIT"
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"

# --- systemd-analyze: no unknown keys, no bad values (it prints warnings but exits 0) ---
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$WORK/units"
  sed "s|/usr/local/bin/ncxdp|$NCXDP|" "$UNIT" >"$WORK/units/ncxdp@.service"
  # --man=no: the man page (Documentation=man:ncxdp(8)) comes with the Debian package, which
  # tests/package/package_test.sh installs and verifies with the man check.
  systemd-analyze verify --man=no "$WORK/units/ncxdp@eth9.service" >"$WORK/verify.txt" 2>&1 ||
    fail "systemd-analyze verify failed: $(cat "$WORK/verify.txt")"
  [[ ! -s "$WORK/verify.txt" ]] || fail "systemd-analyze verify warns: $(cat "$WORK/verify.txt")"
  log "OK: systemd-analyze verify accepts the unit"
else
  skip "systemd-analyze not installed"
fi

# --- the unit's capabilities, as setpriv spells them ---
ambient=$(sed -n 's/^AmbientCapabilities=//p' "$UNIT")
bounding=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
[[ -n "$ambient" ]] || fail "the unit grants no AmbientCapabilities"
[[ "$ambient" == "$bounding" ]] || fail "CapabilityBoundingSet ($bounding) differs from AmbientCapabilities ($ambient)"
mapfile -t CAPS < <(tr ' ' '\n' <<<"$ambient" | sed 's/^CAP_//' | tr 'A-Z' 'a-z')
log "unit grants: ${CAPS[*]}"
caplist() {
  local out="-all" c
  for c in "$@"; do out+=",+$c"; done
  echo "$out"
}

setup_netns
# As nobody with exactly the given capabilities, like the unit's DynamicUser. The output lives in
# a directory nobody may write.
OUTDIR="$WORK/out"
mkdir -p "$OUTDIR"
chmod 755 "$WORK"
chown 65534:65534 "$OUTDIR"
run_as_service() {
  local caps
  caps=$(caplist "$@")
  # exec: in the background, $! is then ncxdp itself and not a subshell.
  exec ip netns exec "$RX_NS" setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
    --inh-caps="$caps" --ambient-caps="$caps" --bounding-set="$caps" \
    "$NCXDP" attach vrx --port 6666 --out "jsonl:$OUTDIR/attach.jsonl"
}

run_as_service "${CAPS[@]}" 2>"$WORK/attach.err" &
ATTACH_PID=$!
PIDS+=("$ATTACH_PID")
for ((i = 0; i < 100; i++)); do
  ip -n "$RX_NS" -d link show dev vrx | grep -q 'prog/xdp' && break
  kill -0 "$ATTACH_PID" 2>/dev/null || fail "attach with the unit's capabilities failed: $(cat "$WORK/attach.err")"
  sleep 0.1
done
ip -n "$RX_NS" -d link show dev vrx | grep -q 'prog/xdp' || fail "no XDP program on vrx after 10 s"
ip netns exec "$TX_NS" timeout 60 "$NC_SEND" --pps 20000 --expect "$WORK/sent.expect" --to "$RX_V4:6666" \
  gen --src "${TX_V4[0]}" --src-ports 7000-7003 --count 200 --format mixed 2>"$WORK/nc_send.err" ||
  fail "nc_send failed: $(cat "$WORK/nc_send.err")"
wait_lines "$OUTDIR/attach.jsonl" "$(wc -l <"$WORK/sent.expect")" 30 || fail "records missing"
kill -TERM "$ATTACH_PID"
wait_exit "$ATTACH_PID" 30
[[ $WAIT_RC -eq 0 ]] || fail "attach as nobody exited $WAIT_RC after SIGTERM: $(cat "$WORK/attach.err")"
compare_records "$OUTDIR/attach.jsonl" "$WORK/sent.expect" || fail "attach as nobody lost or changed records"
ip -n "$RX_NS" -d link show dev vrx | grep -q 'prog/xdp' && fail "XDP program left on vrx after exit"
log "OK: attach as nobody with only ${CAPS[*]} captured every record"

# --- without any one capability, attach fails and says why ---
# CAP_IPC_LOCK only matters when the packet memory is over the locked-memory limit.
umem_kib=$((32768 * 2)) # default --xsk-ring 32768 frames of 2 KiB
memlock=$(ulimit -l)
for drop in "${CAPS[@]}"; do
  if [[ $drop == ipc_lock && $memlock != unlimited ]] && ((memlock >= umem_kib)); then
    log "not checking ipc_lock: the locked-memory limit (${memlock} KiB) already covers the packet memory"
    continue
  fi
  if [[ $drop == ipc_lock && $memlock == unlimited ]]; then
    log "not checking ipc_lock: the locked-memory limit is unlimited here"
    continue
  fi
  keep=()
  for c in "${CAPS[@]}"; do [[ $c == "$drop" ]] || keep+=("$c"); done
  rc=0
  timeout 20 bash -c "$(declare -f run_as_service caplist); RX_NS=$RX_NS NCXDP=$NCXDP OUTDIR=$OUTDIR run_as_service ${keep[*]}" \
    >/dev/null 2>"$WORK/drop.err" || rc=$?
  [[ $rc -eq 1 ]] || fail "attach without $drop: exit $rc, expected 1: $(tail -3 "$WORK/drop.err")"
  last=$(grep '^ncxdp attach: ' "$WORK/drop.err" | tail -1)
  [[ "$last" == *"CAP_"* || "$last" == *"ulimit -l"* ]] ||
    fail "attach without $drop: the error does not say what is missing: $last"
  ip -n "$RX_NS" -d link show dev vrx | grep -q 'prog/xdp' && fail "XDP program left on vrx after failing without $drop"
  log "OK: without $drop: $last"
done
log "PASS"
