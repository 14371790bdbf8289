#!/usr/bin/env bash
# ncxdp_tx target lifetime (issue 14): a network device unregistering while the module unloads
# (an enabled parameter target on it), then while its enabled configfs target is rmdir'ed (50
# times, varying head start), on a kernel booted with slub_debug=FZP. Passes when the guest's
# final marker arrives with no error and the console shows no BUG, Oops, general protection fault,
# Poison or Redzone report. Before the fix the rmdir loop faulted within a few iterations.
#
# Usage: kmod_race_test.sh BUILD_DIR KERNEL_ID. Needs root; exit 77 = skipped (failure in CI).
set -euo pipefail
export NCXDP_KERNEL_MODULES="dummy"
source "$(dirname "$0")/lib.sh"
kh_init "${1:-}" "${2:-}"

kmod_ko=$(kh_build_module "$KH_DIR/../../kmod")
kh_netns_up
kh_ncxdp_start --port 6666
kh_guest_env RACE_ITERATIONS "${RACE_ITERATIONS:-50}"
kh_guest_env RACE_UNLOADS "${RACE_UNLOADS:-5}"
kh_initramfs "$KH_DIR/kmod_race_guest.sh" - "$kmod_ko"
kh_boot slub_debug=FZP
kh_wait_done 1 150
kh_ncxdp_stop
if grep -aE 'BUG|Oops|general protection|Poison|Redzone' "$WORK/console.log" >&2; then
  kh_fail "the guest kernel reported a fault (console.log)"
fi
[[ $(kh_guest_errors) == 0 ]] || kh_fail "the guest counted $(kh_guest_errors) errors (console.log)"
grep -aq 'race: 50 unregister/rmdir iterations' "$WORK/console.log" || [[ -n "${RACE_ITERATIONS:-}" ]] ||
  kh_fail "the rmdir loop did not finish"
kh_log "PASS ($SECONDS s)"
