#!/usr/bin/env bash
# `make bench`: microbenchmarks of the per-datagram path (decoder, ring, JSON writer), then the
# capture-path benchmarks against baselines (scripts/bench/capture.sh, needs root: network
# namespaces), then the report: build/bench/capture.md (tables) and
# build/bench/offered-vs-delivered.png. docs/benchmarks.md records a run of this script.
#
# BENCH_CAPTURE=0 skips the capture benchmarks (about 15 minutes); BENCH_MICRO=0 skips the
# microbenchmarks; BENCH_MEMORY=0 skips decoder_memory.sh (RSS against 10k/100k/1M senders).
# capture.sh and decoder_memory.sh document their own BENCH_* settings.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
out="$build/bench"
mkdir -p "$out"
start=$(date +%s)

if [[ ${BENCH_MICRO:-1} != 0 ]]; then
  if [[ ! -x $build/decoder_bench ]]; then
    echo "bench: $build/decoder_bench is missing (is libbenchmark-dev installed? run: sudo make deps)" >&2
    exit 1
  fi
  echo "bench: [1/3] decoder/ring/json microbenchmarks (about a minute)..." >&2
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
fi

if [[ ${BENCH_CAPTURE:-1} != 0 && $(id -u) -ne 0 ]]; then
  echo "bench: skipping the capture benchmarks: they need root for network namespaces (sudo make bench)" >&2
elif [[ ${BENCH_CAPTURE:-1} != 0 ]]; then
  echo "bench: [2/3] capture path: ncxdp attach, ncxdp listen, recvfrom, bare AF_XDP (about 15 minutes)..." >&2
  "$here/capture.sh" "$build" "$out"
  echo "bench: [3/3] report" >&2
  /usr/bin/python3 "$here/report.py" "$out/capture.jsonl" "$out/capture.md" "$out/offered-vs-delivered.png"
  cat "$out/capture.md"
  echo "bench: tables in $out/capture.md, plot in $out/offered-vs-delivered.png, raw trials in $out/capture.jsonl" >&2
fi
if [[ ${BENCH_MEMORY:-1} != 0 && $(id -u) -eq 0 ]]; then
  echo "bench: decoder memory against 10k/100k/1M senders (about 2 minutes)..." >&2
  "$here/decoder_memory.sh" "$build" "$out" | tee "$out/decoder_memory.md"
fi
echo "bench: done in $(($(date +%s) - start)) s" >&2
