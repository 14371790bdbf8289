#!/usr/bin/env bash
# Bounded libFuzzer run for `make test`: seeds from tests/fuzz/corpus (the format document's test
# vectors as datagram scripts), new inputs go to a scratch directory, never into git. Any crash,
# leak, timeout or abort fails the test and keeps the reproducer.
set -uo pipefail
fuzzer=$1 seeds=$2 seconds=${3:-45}
name=$(basename "$fuzzer")
work=$(mktemp -d /tmp/ncxdp-fuzz.XXXXXX)
mkdir -p "$work/corpus"
"$fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" "$seeds" >"$work/log" 2>&1
status=$?
grep -E 'stat::|Done|ERROR|SUMMARY' "$work/log" | head -20
if ((status != 0)); then
  tail -40 "$work/log"
  echo "$name: failed (exit $status); reproducer and log kept in $work" >&2
  exit "$status"
fi
rm -rf "$work"
echo "$name: no crash in ${seconds}s"
