#!/usr/bin/env bash
# Builds the Debian packages ncxdp_<version>_amd64.deb and ncxdp-tx-dkms_<version>_all.deb (plus
# ncxdp-dbgsym) with debhelper, into OUT_DIR, from the binaries already built in BUILD_DIR.
#
# The version comes from one place, project(VERSION) in CMakeLists.txt: the debian/changelog the
# package is built with is generated from it. dpkg-buildpackage runs in a copy of the source tree
# under OUT_DIR/src with packaging/debian as its debian/, so the source tree gets no debian/, no
# build artefacts and no .deb next to it. The packaging itself (packaging/debian/rules) can also
# build the programs on its own, with Debian's hardening flags: --standalone.
#
# Usage: build-deb.sh [--standalone] BUILD_DIR OUT_DIR
#   BUILD_DIR  a cmake build directory with ncxdp and ncxdp-storm built (`make build`); with
#              --standalone, ignored except for its version check
#   OUT_DIR    where the .deb, .buildinfo and .changes files go (created)
set -euo pipefail

SRC="$(cd "$(dirname "$0")/.." && pwd)"
standalone=""
if [[ "${1:-}" == --standalone ]]; then
  standalone=1
  shift
fi
[[ $# -eq 2 ]] || {
  sed -n '/^# Usage/,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
build=$1 out=$2
for tool in dpkg-buildpackage dh dh_dkms help2man fakeroot; do
  command -v "$tool" >/dev/null || {
    echo "build-deb.sh: $tool not installed (sudo scripts/deps.sh)" >&2
    exit 1
  }
done

version=$(sed -n 's/^project(ncxdp VERSION \([0-9][0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[[ -n "$version" ]] || {
  echo "build-deb.sh: no 'project(ncxdp VERSION x.y.z' line in $SRC/CMakeLists.txt" >&2
  exit 1
}
if [[ -z "$standalone" ]]; then
  [[ -x "$build/ncxdp" && -x "$build/ncxdp-storm" ]] || {
    echo "build-deb.sh: $build/ncxdp and $build/ncxdp-storm not built (make build)" >&2
    exit 1
  }
  build="$(cd "$build" && pwd)"
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# The staging tree: the sources as they are now, committed or not, without what git ignores (build
# directories, fuzz runs); from a tree without git, everything but the build directories.
stage="$out/src/ncxdp-$version"
rm -rf "$out/src"
mkdir -p "$stage"
if git -C "$SRC" rev-parse --show-toplevel >/dev/null 2>&1; then
  # --ignore-failed-read: files deleted in the work tree but not yet in git.
  git -C "$SRC" ls-files -z --cached --others --exclude-standard |
    tar -C "$SRC" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$stage" -xf -
else
  tar -C "$SRC" --exclude='./build*' --exclude='./out' --exclude='./.cache' -cf - . | tar -C "$stage" -xf -
fi
rm -rf "$stage/debian"
cp -r "$SRC/packaging/debian" "$stage/debian"

# debian/changelog from the one version; its date is the last commit's (reproducible builds).
if date=$(git -C "$SRC" log -1 --format=%cD 2>/dev/null) && [[ -n "$date" ]]; then
  rev=$(git -C "$SRC" describe --always --dirty 2>/dev/null || echo unknown)
  note="Built from git $rev."
else
  date=$(date -R)
  note="Built from a source tree without git history."
fi
maintainer=$(sed -n 's/^Maintainer: //p' "$SRC/packaging/debian/control")
cat >"$stage/debian/changelog" <<CHANGELOG
ncxdp ($version) unstable; urgency=medium

  * Upstream version $version (CMakeLists.txt). $note

 -- $maintainer  $date
CHANGELOG

rm -f "$out"/ncxdp*_"$version"_*.deb "$out"/ncxdp*_"$version"_*.ddeb "$out"/ncxdp_"$version"_*.{buildinfo,changes}
# -b: binary packages only; -us -uc: unsigned (sign with debsign if you publish them).
(
  cd "$stage"
  if [[ -n "$standalone" ]]; then
    dpkg-buildpackage -b -us -uc
  else
    NCXDP_PREBUILT="$build" dpkg-buildpackage -b -us -uc
  fi
) >"$out/build.log" 2>&1 || {
  tail -n 40 "$out/build.log" >&2
  echo "build-deb.sh: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
  exit 1
}
mv "$out"/src/*.deb "$out"/src/*.buildinfo "$out"/src/*.changes "$out"/
ls "$out"/src/*.ddeb >/dev/null 2>&1 && mv "$out"/src/*.ddeb "$out"/
rm -rf "$out/src"
for deb in "$out"/*_"$version"_*.deb; do echo "build-deb.sh: $deb"; done
