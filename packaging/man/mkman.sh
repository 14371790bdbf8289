#!/usr/bin/env bash
# Man pages from the programs' own --help (help2man): ncxdp(8), with every subcommand's --help as
# a section of its own, and ncxdp-storm(8). Used by the Debian package (packaging/debian/rules);
# the pages follow the options as they change, nothing is written by hand but the few sections
# below.
#
# Usage: mkman.sh BUILD_DIR VERSION OUT_DIR     result: OUT_DIR/ncxdp.8, OUT_DIR/ncxdp-storm.8
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
[[ $# -eq 3 ]] || {
  sed -n 's/^# Usage: /Usage: /p' "$0" >&2
  exit 2
}
build=$1 version=$2 out=$3
command -v help2man >/dev/null || {
  echo "mkman.sh: help2man not installed (apt-get install help2man)" >&2
  exit 1
}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# subcommands PROGRAM: the names under "Subcommands:" in PROGRAM --help (CLI11's layout).
subcommands() {
  "$1" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'
}

# An include file (help2man --include): one subsection per subcommand with its --help verbatim,
# then the hand-written sections.
# commands_section PROGRAM NAME: the [COMMANDS] section for PROGRAM.
commands_section() {
  local prog=$1 name=$2 cmd
  echo "[COMMANDS]"
  for cmd in $(subcommands "$prog"); do
    printf '.SS "%s %s"\n.nf\n' "$name" "$cmd"
    # Verbatim: escape backslashes, and lines starting with a dot or quote would be requests.
    "$prog" "$cmd" --help | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e "s|^Usage: [^ ]*/|Usage: |"
    printf '.fi\n'
  done
}

{
  commands_section "$build/ncxdp" ncxdp
  cat "$HERE/ncxdp.h2m"
} >"$tmp/ncxdp.h2m"
{
  commands_section "$build/ncxdp-storm" ncxdp-storm
  cat "$HERE/ncxdp-storm.h2m"
} >"$tmp/ncxdp-storm.h2m"

# --version-string: ncxdp-storm has no --version; both pages carry the package's version.
# --no-info: Debian has no texinfo manual for these.
help2man --no-info --section 8 --version-string "$version" --include "$tmp/ncxdp.h2m" \
  --name "netconsole receiver with XDP and AF_XDP capture" "$build/ncxdp" >"$out/ncxdp.8"
help2man --no-info --section 8 --version-string "$version" --include "$tmp/ncxdp-storm.h2m" \
  --name "netconsole storm generator and loss checker" "$build/ncxdp-storm" >"$out/ncxdp-storm.8"
# help2man names the program after the path it ran; CLI11 prints argv[0] in its usage line.
sed -i "s|$build/||g" "$out/ncxdp.8" "$out/ncxdp-storm.8"
# The first line of --help ("ncxdp: netconsole receiver ...") repeats NAME at the end of the
# DESCRIPTION the include file already gives.
for prog in ncxdp ncxdp-storm; do
  first=$("$build/$prog" --help | head -1 | sed 's/-/\\-/g')
  awk -v l="$first" '$0 != l' "$out/$prog.8" >"$tmp/$prog.8" && mv "$tmp/$prog.8" "$out/$prog.8"
done
echo "mkman.sh: $out/ncxdp.8 $out/ncxdp-storm.8"
