#!/usr/bin/env bash
# The ncxdp_tx module (kmod/) on a real Debian kernel against `ncxdp attach`, in one guest boot:
# loaded with a bad targets= string (precise refusals in the kernel log), by modprobe with
# ncxdp_tx.targets= on the kernel command line (extended+release, plain, IPv6), and configured
# through configfs (userdata, every sysdata field, userdata large enough to fragment every
# message, plain), with netconsole's refusals checked errno by errno in the guest. The markers
# must arrive exactly on every target, userdata and sysdata on every message, msgid without a gap.
# Then an oops (tests/kernel/oops) and a forced panic (sysrq c): each time the kmsg dumper must
# replay the whole log ring to every extended target, each message marked ncxdp_dump=<n> and
# flagged "dump" by ncxdp, equal to its live copy.
# kmod_records.py plans the markers and checks the records; kmod_guest.sh runs in the guest.
#
# Usage: kmod_test.sh BUILD_DIR KERNEL_ID (ctest passes both; ids are in kernels.conf).
# Needs root; exit 77 = skipped (a failure under CI=true).
set -euo pipefail
export NCXDP_KERNEL_MODULES="dummy" # a target on a down device during the dumps
source "$(dirname "$0")/lib.sh"
kh_init "${1:-}" "${2:-}"

kmod_ko=$(kh_build_module "$KH_DIR/../../kmod")
oops_ko=$(kh_build_module "$KH_DIR/oops")
kh_netns_up
kh_ncxdp_start --port 6666 --port 6667
plan="$WORK/plan"
python3 "$KH_DIR/kmod_records.py" plan --tag "$KH_TAG" --abi "$KH_ABI" --host-v4 "$KH_HOST_V4" \
  --guest-v4 "$KH_GUEST_V4" --host-v6 "$KH_HOST_V6" --guest-v6 "$KH_GUEST_V6" --host-mac "$KH_HOST_MAC" \
  "$plan" || kh_fail "kmod_records.py plan failed"
targets=$(jq -r .targets "$plan/plan.json")
kh_guest_env KMOD_BAD_TARGETS "$(jq -r .bad_targets "$plan/plan.json")"
kh_guest_env KMOD_TARGETS "$targets"
kh_guest_env KMOD_GUEST_MAC "$KH_GUEST_MAC"
kh_initramfs "$KH_DIR/kmod_guest.sh" "$plan/data" "$kmod_ko" "$oops_ko"
kh_boot "ncxdp_tx.targets=$targets"

# The module reports each dump live once it is sent: on all six targets still loaded.
kh_wait_for '.text != null and (.text | startswith("ncxdp_tx: dump 2 ("))' 6
kh_wait_qemu 30
kh_ncxdp_stop
if ! python3 "$KH_DIR/kmod_records.py" check "$plan/plan.json" "$KH_OUT"; then
  grep -a 'kh: ERROR' "$WORK/console.log" >&2 || true
  kh_fail "received records differ from what the guest sent"
fi
python3 "$KH_DIR/kmod_records.py" check --self-test "$plan/plan.json" "$KH_OUT" ||
  kh_fail "kmod_records.py accepts damaged records"
kh_log "PASS ($SECONDS s)"
