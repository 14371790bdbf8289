#!/usr/bin/env bash
# `sudo make demo` is a newcomer's first command: it must end with status 0 (it used to die of
# SIGPIPE under pipefail after a perfect run, `make: *** [demo] Error 141`) and end with
# `ncxdp triage` of what it captured, with the crashes the simulated fleet had.
# Usage: demo_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
init_test "${1:-}"
[[ -x "$BUILD/ncxdp-storm" ]] || fail "$BUILD/ncxdp-storm not built"
DEMO="$(cd "$(dirname "$0")/../.." && pwd)/scripts/demo.sh"

rc=0
# As a user would watch it: stdout and stderr together, stdout a pipe.
timeout 120 "$DEMO" "$BUILD" 2>&1 | cat >"$WORK/demo.out" || rc=$?
[[ $rc -eq 0 ]] || fail "the demo exited $rc: $(tail -5 "$WORK/demo.out")"
grep -q 'ncxdp-storm check' "$WORK/demo.out" || fail "the demo did not check the capture"
grep -q '== the question that comes next, what crashed and where: ncxdp triage records.jsonl' "$WORK/demo.out" ||
  fail "the demo does not end with ncxdp triage"
# The triage report is the last thing shown, and it found the fleet's crashes.
tail -n +"$(grep -n 'ncxdp triage records.jsonl' "$WORK/demo.out" | tail -1 | cut -d: -f1)" "$WORK/demo.out" \
  >"$WORK/triage.out"
grep -q '^ncxdp triage: ' "$WORK/triage.out" || fail "no triage report: $(head -5 "$WORK/triage.out")"
grep -Eq '^#1 [0-9a-f]{12}  oops' "$WORK/triage.out" || fail "triage found no oops: $(head -20 "$WORK/triage.out")"
grep -Eq 'panic ' "$WORK/triage.out" || fail "triage found no panic: $(head -20 "$WORK/triage.out")"
grep -q '^timeline: ' "$WORK/triage.out" || fail "the triage report is cut short"
log "PASS"
