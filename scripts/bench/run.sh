#!/usr/bin/env bash
# `make bench`: microbenchmarks of the per-datagram path (decoder, ring, JSON writer), each family
# next to a baseline measured in the same run. Writes build/bench/decoder.json and prints a table
# of ratios to the baseline; docs/benchmarks.md records a run of this script.
set -euo pipefail
build=${1:-build}
out="$build/bench"
mkdir -p "$out"
if [[ ! -x $build/decoder_bench ]]; then
  echo "bench: $build/decoder_bench is missing (is libbenchmark-dev installed? run: sudo make deps)" >&2
  exit 1
fi
echo "bench: running decoder/ring/json microbenchmarks (about a minute)..." >&2
"$build/decoder_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.3 --benchmark_out="$out/decoder.json" --benchmark_out_format=json >&2
# Median items/s per benchmark, and the ratio to the baseline at the same argument.
jq -r '
  [.benchmarks[] | select(.aggregate_name == "median")
   | {name: (.run_name), rate: .items_per_second, ns: .real_time}] as $rows
  | ($rows | map(select(.name | startswith("BM_BaselineSplitCopy"))) | map({key: (.name | split("/")[1] // ""), value: .rate}) | from_entries) as $base
  | "| benchmark | ns per item | items/s (M) | vs baseline split+copy |",
    "|---|---:|---:|---:|",
    ($rows[] | "| \(.name) | \(.ns * 100 | round / 100) | \(.rate / 1e6 * 100 | round / 100) | \(
        ($base[(.name | split("/")[1] // "")]) as $b | if $b then "\((.rate / $b) * 100 | round)%" else "-" end) |")
' "$out/decoder.json"
