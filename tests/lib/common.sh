# What every shell test tier shares (sourced by tests/system/lib.sh and tests/kernel/lib.sh): one
# log format and one skip policy. A test that cannot run here exits 77, which ctest reports as
# skipped; under CI=true a skip would hide a missing capability, so it fails instead (the
# GoogleTest tiers do the same through tests/support/RequireRoot.h).
# shellcheck shell=bash

# TEST_ID, when set, names the variant (a kernel pin, say) after the script's name.
log() { echo "[$(basename "$0")${TEST_ID:+ $TEST_ID}] $*" >&2; }

fail() {
  log "FAIL: $*"
  exit 1
}

skip() {
  log "SKIP: $*"
  if [[ "${CI:-}" == "true" ]]; then
    log "FAIL: CI=true and this test cannot run: $*"
    exit 1
  fi
  exit 77
}
