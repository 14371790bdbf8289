#!/usr/bin/env bash
# The command line's contract: bad arguments fail with exactly one line on stderr, nothing on
# stdout, and a non-zero status (2 for usage errors, 1 for setup errors); --help and --version
# succeed. Nothing here opens a socket, so it needs neither root nor a namespace: every case must
# fail before capture starts even in a binary that regressed (attach only names a missing interface,
# listen cases fail in the option parser or when the rings are allocated, before any bind).
# Usage: cli_test.sh BUILD_DIR (ctest passes it).
set -euo pipefail
BUILD="${1:?usage: $0 BUILD_DIR}"
NCXDP="$BUILD/ncxdp"
[[ -x "$NCXDP" ]] || { echo "cli_test: $NCXDP not built" >&2; exit 1; }
WORK="$(mktemp -d /tmp/ncxdp-clitest.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
failures=0

# expect_error STATUS PATTERN ARGS...: exit STATUS, one stderr line matching PATTERN, empty stdout.
expect_error() {
  local want=$1 pattern=$2 rc=0
  shift 2
  timeout 10 "$NCXDP" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
  if [[ $rc -ne $want ]]; then
    echo "FAIL: ncxdp $*: exit $rc, expected $want ($(head -c 300 "$WORK/err"))" >&2
    failures=$((failures + 1))
  elif [[ $(wc -l <"$WORK/err") -ne 1 ]] || ! grep -q -- "$pattern" "$WORK/err"; then
    echo "FAIL: ncxdp $*: expected one line matching '$pattern', got: $(cat "$WORK/err")" >&2
    failures=$((failures + 1))
  elif [[ -s "$WORK/out" ]]; then
    echo "FAIL: ncxdp $*: printed on stdout: $(head -c 300 "$WORK/out")" >&2
    failures=$((failures + 1))
  fi
}

expect_error 2 "subcommand is required"
expect_error 2 "unknown command 'frobnicate'" frobnicate
expect_error 2 "^ncxdp listen: --port: Value 70000 not in range" listen --port 70000
expect_error 2 "^ncxdp listen: --port" listen --port 0
expect_error 2 "^ncxdp listen: --port" listen --port http
expect_error 2 "^ncxdp listen: --threads" listen --threads 0
expect_error 2 "^ncxdp listen: --line-timeout" listen --line-timeout 0
expect_error 2 "^ncxdp listen: --max-sources" listen --max-sources 0
expect_error 2 "^ncxdp listen: --ring-size: '12Q' is not a size" listen --ring-size 12Q
expect_error 2 "^ncxdp listen: --ring-size 100K is too small" listen --ring-size 100K
expect_error 2 "^ncxdp listen: --ring-size 1M is too small" listen --threads 8 --ring-size 1M
expect_error 2 "^ncxdp listen: .*bogus" listen --out bogus
expect_error 2 "^ncxdp listen: .*jsonl" listen --out "jsonl:$WORK/no/such/dir/x.jsonl"
expect_error 2 "^ncxdp listen: .*--no-such-option" listen --no-such-option
expect_error 2 "^ncxdp listen: --ring-size 100G is too large: at most 1G per thread" listen --ring-size 100G
expect_error 2 "^ncxdp listen: --ring-size 5G is too large: .* at most 2G with 2 thread" listen --threads 2 --ring-size 5G
expect_error 2 "^ncxdp listen: --bind '1.2.3' is not an IPv4 or IPv6 address (examples: " listen --bind 1.2.3 --out "jsonl:$WORK/x.jsonl"
expect_error 2 "^ncxdp listen: --bind '999.1.1.1' is not an IPv4 or IPv6 address" listen --bind 999.1.1.1
expect_error 2 "^ncxdp attach: --allow: allowlist entry '10.251.1.1/24': host bits are set; did you mean 10.251.1.0/24 (the network) or 10.251.1.1/32 (the host alone)?" attach nosuch0 --allow 10.251.1.1/24
expect_error 2 "^ncxdp replay: file is required" replay
expect_error 2 "^ncxdp replay: --port" replay x.pcap --port 65536
expect_error 1 "^ncxdp replay: cannot read 'nope.pcap'" replay nope.pcap

# triage of an input without a single record says so and fails, instead of an empty report.
: >"$WORK/empty.jsonl"
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >"$WORK/empty.pcap"
mkdir "$WORK/notlogs"
touch "$WORK/notlogs/passwd" "$WORK/notlogs/hosts"
expect_error 1 "^ncxdp triage: nothing found in $WORK/empty.pcap: no netconsole datagrams in the capture$" triage "$WORK/empty.pcap"
expect_error 1 "^ncxdp triage: nothing found in $WORK/empty.jsonl: the file holds no records$" triage "$WORK/empty.jsonl"
expect_error 1 "^ncxdp triage: nothing found in dir:$WORK/notlogs: no ADDR_PORT.log files (what --out dir: writes), 2 other files$" triage "dir:$WORK/notlogs"
expect_error 1 "^ncxdp triage: nothing found in dir:/etc: no ADDR_PORT.log files" triage dir:/etc

version=$("$NCXDP" --version)
[[ "$version" =~ ^ncxdp\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "FAIL: --version printed '$version'" >&2; failures=$((failures + 1)); }
for cmd in "" listen replay; do
  # shellcheck disable=SC2086 # empty $cmd means top-level help
  if ! "$NCXDP" $cmd --help >"$WORK/help" 2>&1 || ! grep -q "Usage:" "$WORK/help"; then
    echo "FAIL: ncxdp $cmd --help" >&2
    failures=$((failures + 1))
  fi
done

if ((failures > 0)); then
  echo "cli_test: $failures failure(s)" >&2
  exit 1
fi
echo "cli_test: PASS" >&2
