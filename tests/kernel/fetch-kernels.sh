#!/usr/bin/env bash
# Downloads the Debian kernels pinned in kernels.conf and extracts what a qemu guest needs: the
# kernel image, its config and a few modules (virtio networking, configfs, netconsole and their
# dependencies), into a cache outside git. Idempotent: a kernel already extracted and verified is
# not downloaded again.
#
# Usage: fetch-kernels.sh [ID|ABI]...      (default: every pinned kernel)
# Environment:
#   NCXDP_KERNEL_CACHE    cache directory (default /var/cache/ncxdp/kernels)
#   NCXDP_KERNEL_MODULES  extra module names to extract with their dependencies (space separated;
#                         added to what the cache already holds)
#
# Result, per kernel: $NCXDP_KERNEL_CACHE/<abi>/
#   vmlinuz  config  modules/<name>.ko  modules/load-order (insmod order, dependencies first)
#   debs/linux-image-<abi>_<version>_amd64.deb  ready (stamp: what was extracted from which deb)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/pins.sh"

CACHE="${NCXDP_KERNEL_CACHE:-/var/cache/ncxdp/kernels}"
# virtio_pci is the bus driver (not a dependency of virtio_net) and is built in on 6.12.
ROOT_MODULES=(virtio_pci virtio_net configfs netconsole)
read -r -a EXTRA_MODULES <<<"${NCXDP_KERNEL_MODULES:-}"
ROOT_MODULES+=("${EXTRA_MODULES[@]}")

log() { echo "fetch-kernels: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# The SHA256 apt's (signed) index holds for linux-image-$abi=$ver; empty when apt does not know it.
index_sha256() {
  apt-cache show --no-all-versions "linux-image-$1=$2" 2>/dev/null | awk '/^SHA256:/ {print $2; exit}'
}

# fetch_deb ABI VERSION DIR: leaves a verified linux-image deb in DIR and prints its path.
fetch_deb() {
  local abi=$1 ver=$2 dir=$3
  local name="linux-image-${abi}_${ver/:/%3a}_amd64.deb"
  local deb="$dir/$name" sha
  sha=$(index_sha256 "$abi" "$ver")
  if [[ -z "$sha" ]]; then
    log "apt does not know linux-image-$abi=$ver; refreshing the package lists once"
    apt-get update -qq >&2 || true
    sha=$(index_sha256 "$abi" "$ver")
  fi
  if [[ -z "$sha" ]]; then
    if [[ -f "$deb" && -f "$deb.sha256" ]] && [[ "$(sha256sum "$deb" | cut -d' ' -f1)" == "$(cat "$deb.sha256")" ]]; then
      log "linux-image-$abi=$ver is no longer in the apt archive; using the copy cached and verified earlier"
      echo "$deb"
      return 0
    fi
    die "linux-image-$abi version $ver is not in the apt archive any more ($(apt-cache policy "linux-image-$abi" 2>/dev/null |
      awk '/Candidate:/ {print "candidate: " $2}' | grep . || echo 'no candidate at all')).
  Pick the current version and update the pin in $KH_PIN_FILE (see the comment there), then run
  'sudo scripts/deps.sh' for the matching headers."
  fi
  local cand
  for cand in "$deb" "/var/cache/apt/archives/$name"; do
    if [[ -f "$cand" ]] && [[ "$(sha256sum "$cand" | cut -d' ' -f1)" == "$sha" ]]; then
      [[ "$cand" == "$deb" ]] || cp "$cand" "$deb"
      echo "$sha" >"$deb.sha256"
      echo "$deb"
      return 0
    fi
  done
  local size
  size=$(apt-cache show --no-all-versions "linux-image-$abi=$ver" | awk '/^Size:/ {printf "%.1f MB", $2 / 1e6; exit}')
  log "downloading linux-image-$abi=$ver ($size)"
  local tmp
  tmp=$(mktemp -d "$dir/dl.XXXXXX")
  # apt drops privileges to _apt for downloads; it must be able to write the directory.
  chown _apt "$tmp" 2>/dev/null || true
  if ! (cd "$tmp" && apt-get download -q "linux-image-$abi=$ver" >&2); then
    rm -rf "$tmp"
    die "apt-get download linux-image-$abi=$ver failed (network? apt sources?). The pin is in $KH_PIN_FILE."
  fi
  local got
  got=$(ls "$tmp"/*.deb)
  [[ "$(sha256sum "$got" | cut -d' ' -f1)" == "$sha" ]] || {
    rm -rf "$tmp"
    die "downloaded linux-image-$abi=$ver does not match the SHA256 in apt's index"
  }
  mv "$got" "$deb"
  rm -rf "$tmp"
  echo "$sha" >"$deb.sha256"
  echo "$deb"
}

fetch_one() {
  kh_pin_lookup "$1" || exit 1
  local abi=$KH_ABI ver=$KH_PKGVER
  local out="$CACHE/$abi"
  local head="abi=$abi version=$ver modules="
  if [[ -f "$out/ready" ]] && verify_cached "$out"; then
    local stamp cached m missing=0
    stamp=$(head -1 "$out/ready")
    if [[ "$stamp" == "$head"* ]]; then
      cached=" ${stamp#"$head"} "
      for m in "${ROOT_MODULES[@]}"; do [[ "$cached" == *" $m "* ]] || missing=1; done
      if ((missing == 0)); then
        log "$KH_ID: $abi ($ver) cached in $out"
        return 0
      fi
      # Keep what other tests asked for too, so two module lists do not re-extract in turn.
      read -r -a cached_roots <<<"$cached"
      ROOT_MODULES=("${cached_roots[@]}" "${ROOT_MODULES[@]}")
      mapfile -t ROOT_MODULES < <(printf '%s\n' "${ROOT_MODULES[@]}" | awk '!seen[$0]++')
    fi
  fi
  local want="$head${ROOT_MODULES[*]}"
  local t0=$SECONDS
  log "$KH_ID: $abi ($ver) -> $out"
  rm -rf "$out/ready" "$out/vmlinuz" "$out/config" "$out/modules" "$out/tmp"
  mkdir -p "$out/debs" "$out/modules" "$out/tmp"
  local deb
  deb=$(fetch_deb "$abi" "$ver" "$out/debs")

  # One pass over the package (decompressing it is what costs): the image, its config and every
  # module, into a scratch directory; only what the guest needs is kept.
  local moddir="lib/modules/$abi"
  log "$KH_ID: unpacking"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/tmp" "./boot/vmlinuz-$abi" "./boot/config-$abi" \
    "./$moddir/modules.builtin" "./$moddir/kernel" ||
    die "$deb lacks ./boot/vmlinuz-$abi or ./$moddir: is the abi in $KH_PIN_FILE right?"
  sed 's,.*/,,; s,\.ko$,,; s,-,_,g' "$out/tmp/$moddir/modules.builtin" >"$out/tmp/builtin"
  local -A path_of=() have=()
  local f
  while read -r f; do
    local base=${f##*/}
    base=${base%.xz}
    base=${base%.ko}
    path_of[${base//-/_}]=$f
  done < <(cd "$out/tmp" && find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz')

  # The wanted modules, then whatever they depend on, until nothing is missing.
  local pending=("${ROOT_MODULES[@]}") kept=("boot/vmlinuz-$abi" "boot/config-$abi")
  while ((${#pending[@]})); do
    local m=${pending[0]}
    pending=("${pending[@]:1}")
    [[ -n "${have[$m]:-}" ]] && continue
    if grep -qx "$m" "$out/tmp/builtin"; then
      have[$m]=builtin
      continue
    fi
    [[ -n "${path_of[$m]:-}" ]] || die "module $m is neither in $deb nor built into $abi"
    have[$m]=1
    local p=${path_of[$m]}
    kept+=("$p")
    if [[ "$p" == *.xz ]]; then
      # busybox insmod cannot read compressed modules.
      xz -dc "$out/tmp/$p" >"$out/modules/$m.ko"
    else
      cp "$out/tmp/$p" "$out/modules/$m.ko"
    fi
    local dep
    for dep in $(modinfo -F depends "$out/modules/$m.ko" | tr ',' ' '); do pending+=("$dep"); done
  done
  # What is kept must be byte for byte what the package says it ships.
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./md5sums >"$out/tmp/md5sums"
  local rel
  for rel in "${kept[@]}"; do
    grep -q "  $rel\$" "$out/tmp/md5sums" || die "$rel is not in the md5sums of $deb"
    (cd "$out/tmp" && grep "  $rel\$" md5sums | md5sum --quiet -c -) >&2 || die "$rel does not match the md5sums of $deb"
  done
  mv "$out/tmp/boot/vmlinuz-$abi" "$out/vmlinuz"
  mv "$out/tmp/boot/config-$abi" "$out/config"
  rm -rf "$out/tmp"

  # insmod order: a module after everything it depends on (there is no modules.dep in a partial
  # extract, and busybox insmod does not resolve dependencies).
  local order=() placed=() ko name
  local -A done_=()
  local remaining=()
  for ko in "$out"/modules/*.ko; do
    name=${ko##*/}
    remaining+=("${name%.ko}")
  done
  while ((${#remaining[@]})); do
    placed=()
    for name in "${remaining[@]}"; do
      local ok=1 dep
      for dep in $(modinfo -F depends "$out/modules/$name.ko" | tr ',' ' '); do
        [[ -n "${done_[$dep]:-}" || "${have[$dep]:-}" == builtin ]] || ok=0
      done
      ((ok)) && placed+=("$name")
    done
    ((${#placed[@]})) || die "circular module dependencies among: ${remaining[*]}"
    for name in "${placed[@]}"; do
      order+=("$name")
      done_[$name]=1
    done
    local left=()
    for name in "${remaining[@]}"; do [[ -n "${done_[$name]:-}" ]] || left+=("$name"); done
    remaining=("${left[@]}")
  done
  printf '%s\n' "${order[@]}" >"$out/modules/load-order"

  # Every module must be built for exactly this kernel, or the guest refuses it.
  for name in "${order[@]}"; do
    local vm
    vm=$(modinfo -F vermagic "$out/modules/$name.ko" | awk '{print $1}')
    [[ "$vm" == "$abi" ]] || die "$name.ko has vermagic $vm, expected $abi"
  done
  (cd "$out" && sha256sum vmlinuz config modules/*.ko) >"$out/files.sha256"
  {
    echo "$want"
    echo "deb=$(basename "$deb") sha256=$(cat "$deb.sha256")"
    echo "load-order=${order[*]}"
  } >"$out/ready"
  log "$KH_ID: ready in $((SECONDS - t0)) s: vmlinuz, config, ${#order[@]} modules (${order[*]})"
}

verify_cached() {
  (cd "$1" && sha256sum --quiet -c files.sha256 >/dev/null 2>&1)
}

[[ $(id -u) -eq 0 ]] || die "must run as root (it writes $CACHE and calls apt-get)"
for tool in dpkg-deb apt-get apt-cache; do
  command -v "$tool" >/dev/null || die "needs $tool (a Debian system)"
done
command -v xz >/dev/null || die "needs xz (apt-get install xz-utils)"
command -v modinfo >/dev/null || die "needs modinfo (apt-get install kmod)"

ids=("$@")
((${#ids[@]})) || mapfile -t ids < <(kh_pin_ids)
mkdir -p "$CACHE"
# Two tests fetching at once must not extract into the same directory.
exec 9>"$CACHE/.lock"
flock 9
for id in "${ids[@]}"; do fetch_one "$id"; done
