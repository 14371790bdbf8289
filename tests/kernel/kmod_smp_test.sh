#!/usr/bin/env bash
# ncxdp_tx on a 2-CPU guest (issue 14 items 2 and 4), one boot:
# - unicast without arping: targets without remote_mac send to the next hop's MAC from the
#   neighbour table (a targets= target over ARP, a configfs one over IPv6 neighbour discovery),
#   shown in remote_mac_resolved; one nobody answers broadcasts and says so; a set MAC is kept.
#   tcpdump on the host's tap checks the destination MAC of the targets= target's frames (they go
#   to a port ncxdp does not capture, so the kernel, not AF_XDP, gets them): from the first frame
#   to the tap's MAC on, every frame, the crash dump's included, goes to it.
# - a panic while the other CPU holds the targets lock with interrupts off for good (the
#   module's test hook, built with NCXDP_TX_TEST_HOOKS=y): smp_send_stop() stops that CPU with
#   the lock held. The guest must reboot (qemu exits: panic=-1, -no-reboot) and the dump must
#   reach ncxdp whole, after the module's takeover line.
#
# Usage: kmod_smp_test.sh BUILD_DIR KERNEL_ID. Needs root; exit 77 = skipped (failure in CI).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kh_init "${1:-}" "${2:-}"
command -v tcpdump >/dev/null || kh_skip "tcpdump not installed (sudo scripts/deps.sh)"

capture_port=6669
kmod_ko=$(kh_build_module "$KH_DIR/../../kmod" NCXDP_TX_TEST_HOOKS=y)
kh_netns_up
kh_ncxdp_start --port 6666
# --immediate-mode: otherwise the last frames wait in a capture block that SIGINT discards.
ip netns exec "$KH_NS" tcpdump -i "$KH_TAP" --immediate-mode -U -n -w "$WORK/unicast.pcap" "udp dst port $capture_port" \
  2>"$WORK/tcpdump.err" &
tcpdump_pid=$!
KH_PIDS+=("$tcpdump_pid")
for ((i = 0; i < 100; i++)); do
  grep -q 'listening on' "$WORK/tcpdump.err" && break
  kill -0 "$tcpdump_pid" 2>/dev/null || kh_fail "tcpdump exited: $(cat "$WORK/tcpdump.err")"
  sleep 0.05
done
kh_guest_env SMP_CAPTURE_PORT "$capture_port"
kh_initramfs "$KH_DIR/kmod_smp_guest.sh" - "$kmod_ko"
KH_SMP=2 kh_boot

v6="[$KH_GUEST_V6]:6602"
panic_marker=$(printf '.text != null and (.text | startswith("kh:PANIC:%s "))' "$KH_TAG")
kh_wait_for "$panic_marker and .dump == null" 1
# The dump reached ncxdp (the guest's last marker in it) and the module's report after it.
kh_wait_for "$panic_marker and .dump == 1 and .src == \"$v6\"" 1
report='.text != null and (.text | startswith("ncxdp_tx: dump 1 (Panic): "))'
kh_wait_for "$report and .src == \"$v6\"" 1
kh_wait_qemu 30
kh_ncxdp_stop
sleep 0.5
kill -INT "$tcpdump_pid" 2>/dev/null || true
wait "$tcpdump_pid" 2>/dev/null || true

errors=$(jq -r "select($panic_marker) | .text" "$KH_OUT" | head -1 | sed 's/.*errors=//')
[[ "$errors" == 0 ]] || {
  grep -a 'kh: ERROR' "$WORK/console.log" >&2 || true
  kh_fail "the guest counted $errors errors"
}
grep -aq 'Kernel panic - not syncing: ncxdp_tx test: CPU [0-9]* holds the targets lock (held)' "$WORK/console.log" ||
  kh_fail "the guest did not panic with the lock held by the other CPU (console.log)"
takeover='.text == "ncxdp_tx: panic: the targets lock was held by a stopped CPU; taken over"'
(($(kh_count "$takeover and .dump == null and .src == \"$v6\"") == 1)) ||
  kh_fail "the takeover line did not arrive live from $v6"
# Whole: as many dumped records as the report says were sent (to the 2 extended targets).
sent=$(jq -r "select($report and .src == \"$v6\") | .text" "$KH_OUT" | sed -n 's/.*: \([0-9]*\) records sent to 2 targets$/\1/p')
[[ -n "$sent" ]] || kh_fail "unexpected dump report: $(jq -r "select($report) | .text" "$KH_OUT" | head -1)"
dumped=$(kh_count ".dump == 1 and .src == \"$v6\"")
((dumped == sent)) || kh_fail "$dumped dumped records arrived from $v6, the report says $sent were sent"

# The frames of the targets= target: after the first one to the tap's MAC, every one to it.
python3 - "$WORK/unicast.pcap" "$KH_HOST_MAC" "$KH_TAG" <<'PY' || kh_fail "destination MACs are wrong (unicast.pcap)"
import struct, sys
path, host_mac, tag = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), sys.argv[3].encode()
data = open(path, "rb").read()
assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4, "not a microsecond pcap"
off, frames = 24, []
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    frames.append(data[off + 16:off + 16 + incl])
    off += 16 + incl
first = next((i for i, f in enumerate(frames) if f[:6] == host_mac), None)
if first is None:
    sys.exit(f"none of {len(frames)} frames went to {sys.argv[2]}")
later = frames[first:]
stray = [f[:6].hex(":") for f in later if f[:6] != host_mac]
marker = [f for f in later if b"kh:UNICAST:" + tag in f]
dump = [f for f in later if b",ncxdp_dump=1" in f]
print(f"    {len(frames)} frames to port; broadcast before resolution: {first}; after: {len(later)}, "
      f"{len(stray)} not to the tap; marker frames {len(marker)}, dump frames {len(dump)}", file=sys.stderr)
if stray or not marker or not dump:
    sys.exit(f"after resolution: {len(stray)} frames to other MACs {sorted(set(stray))[:3]}, "
             f"{len(marker)} marker frames, {len(dump)} dump frames")
PY
kh_log "PASS ($SECONDS s)"
