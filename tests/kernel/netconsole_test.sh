#!/usr/bin/env bash
# Stock netconsole of a real Debian kernel against `ncxdp attach`, in one guest boot: netconsole
# loaded with boot-parameter targets (plain and extended, IPv4 and IPv6, release where the kernel
# has it, broadcast and unicast MAC), configfs targets of the same kinds plus, where the kernel has
# them, release and userdata (changed while enabled, and large enough to fragment every message).
# The guest prints markers through /dev/kmsg and through the kh_printk test module (kernel
# printk: lines at the record limit, escapes, continuation lines, dev_printk dictionaries, levels,
# facilities). Every marker must be decoded exactly on every target, with no gap, no incomplete
# message and consecutive seqs; the plain targets' lines must equal the extended targets' records.
# netconsole_plan.py lays out the targets and markers, check_records.py compares.
#
# Usage: netconsole_test.sh BUILD_DIR KERNEL_ID (ctest passes both; ids are in kernels.conf).
# Needs root; exit 77 = skipped (a failure under CI=true).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kh_init "${1:-}" "${2:-}"

kh_netns_up
kh_ncxdp_start --port 6666 --port 6667
# One boot target is exactly what `ncxdp sender-config` prints for this receiver (README,
# "Pointing machines at ncxdp"): the stock netconsole of the guest must deliver through it.
sc_param=$(ip netns exec "$KH_NS" "$NCXDP" sender-config --iface "$KH_TAP" --port 6667 --param-only) ||
  kh_fail "ncxdp sender-config --iface $KH_TAP failed"
[[ $sc_param == "+@/eth0,6667@$KH_HOST_V4/$KH_HOST_MAC" ]] ||
  kh_fail "ncxdp sender-config printed '$sc_param', want '+@/eth0,6667@$KH_HOST_V4/$KH_HOST_MAC'"
targets=$(python3 "$KH_DIR/netconsole_plan.py" --kernel "$KH_ID" --abi "$KH_ABI" --tag "$KH_TAG" \
  --guest-v4 "$KH_GUEST_V4" --host-v4 "$KH_HOST_V4" --guest-v6 "$KH_GUEST_V6" --host-v6 "$KH_HOST_V6" \
  --host-mac "$KH_HOST_MAC" --sender-config-param "$sc_param" "$WORK/plan") || kh_fail "netconsole_plan.py failed"
kh_initramfs "$WORK/plan/test.sh" "$WORK/plan/data"
kh_boot
kh_wait_done "$targets"
kh_ncxdp_stop
errors=$(kh_guest_errors)
[[ "$errors" == 0 ]] || {
  grep -a 'kh: ERROR' "$WORK/console.log" >&2 || true
  kh_fail "the guest reported $errors error(s)"
}
kh_check "$WORK/plan/expect.json"
kh_log "PASS ($targets targets, XDP in $KH_XDP_MODE mode, $SECONDS s)"
