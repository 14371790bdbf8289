#!/usr/bin/env bash
# Builds ncxdp_tx for every Debian kernel pinned in tests/kernel/kernels.conf (or the ids/ABIs
# given), against /usr/src/linux-headers-<abi>, each in its own copy of the sources so the builds
# do not share object files. Warnings are errors (Kbuild). Used by `make kmod` and the ctest test
# kmod_build.
#
# Usage: kmod/build.sh OUT_DIR [ID|ABI]...     result: OUT_DIR/<abi>/ncxdp_tx.ko
# Exit 77 when a pinned kernel's headers are not installed (sudo scripts/deps.sh installs them);
# under CI=true that is a failure.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../tests/kernel/pins.sh"

[[ $# -ge 1 ]] || {
  sed -n '/^# Usage/,/^# Exit/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
out=$1
shift
ids=("$@")
((${#ids[@]})) || mapfile -t ids < <(kh_pin_ids)

missing=()
for id in "${ids[@]}"; do
  kh_pin_lookup "$id" || exit 1
  [[ -f "/usr/src/linux-headers-$KH_ABI/Makefile" ]] || missing+=("linux-headers-$KH_ABI=$KH_PKGVER")
done
if ((${#missing[@]})); then
  echo "kmod/build.sh: headers not installed: ${missing[*]} (sudo scripts/deps.sh installs them)" >&2
  [[ "${CI:-}" == "true" ]] && exit 1
  exit 77
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)" # Kbuild needs an absolute M=
for id in "${ids[@]}"; do
  kh_pin_lookup "$id"
  dir="$out/$KH_ABI"
  mkdir -p "$dir"
  # Copy only what changed, so an unchanged tree is not rebuilt.
  for f in "$HERE"/Kbuild "$HERE"/*.c "$HERE"/*.h; do
    cmp -s "$f" "$dir/$(basename "$f")" || cp "$f" "$dir/"
  done
  start=$SECONDS
  if ! make -C "/usr/src/linux-headers-$KH_ABI" M="$dir" modules >"$dir/build.log" 2>&1; then
    cat "$dir/build.log" >&2
    echo "kmod/build.sh: ncxdp_tx does not build against $KH_ABI (log: $dir/build.log)" >&2
    exit 1
  fi
  # The module must be for exactly the kernel it is meant for, or insmod refuses it.
  vermagic=$(modinfo -F vermagic "$dir/ncxdp_tx.ko")
  [[ "$vermagic" == "$KH_ABI "* ]] || {
    echo "kmod/build.sh: $dir/ncxdp_tx.ko has vermagic '$vermagic', expected $KH_ABI" >&2
    exit 1
  }
  echo "kmod: $dir/ncxdp_tx.ko ($KH_ID, $((SECONDS - start)) s)"
done
