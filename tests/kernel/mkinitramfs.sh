#!/usr/bin/env bash
# Builds the guest's initramfs: static busybox, the kernel's cached modules, the test's own
# modules, guest-lib.sh, and a generated /init that sets the guest up (kh_setup), runs the test
# script, sends the final marker (kh_done), then cleans up and powers off (kh_poweroff) whatever
# the script did.
#
# Usage: mkinitramfs.sh OUT.cpio.gz KERNEL_DIR TEST_SCRIPT ENV_FILE [DATA_DIR|-] [MODULE.ko]...
#   KERNEL_DIR   a kernel's cache directory from fetch-kernels.sh (modules/ and modules/load-order)
#   TEST_SCRIPT  busybox sh, sourced by /init after guest-lib.sh and ENV_FILE
#   ENV_FILE     shell assignments for the guest (KH_TAG, addresses, ...), installed as /kh/env
#   DATA_DIR     copied to /kh/data (- for none)
#   MODULE.ko    copied to /kh/extra/ (kh_insmod NAME loads them)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
[[ $# -ge 4 ]] || {
  sed -n '/^# Usage/,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
out=$1 kdir=$2 script=$3 envfile=$4
shift 4
data=-
if [[ $# -gt 0 ]]; then
  data=$1
  shift
fi

busybox=$(command -v busybox || true)
[[ -n "$busybox" ]] || {
  echo "mkinitramfs: busybox not found (apt-get install busybox-static)" >&2
  exit 1
}
# A dynamically linked busybox would need its libraries in the guest.
if ldd "$busybox" >/dev/null 2>&1; then
  echo "mkinitramfs: $busybox is not static (apt-get install busybox-static)" >&2
  exit 1
fi
[[ -f "$kdir/modules/load-order" ]] || {
  echo "mkinitramfs: $kdir/modules/load-order missing: run fetch-kernels.sh" >&2
  exit 1
}

root=$(mktemp -d "${TMPDIR:-/tmp}/ncxdp-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,kh/modules,kh/extra,kh/data,kh/run}
cp "$busybox" "$root/bin/busybox"
cp "$kdir"/modules/*.ko "$kdir/modules/load-order" "$root/kh/modules/"
for ko in "$@"; do cp "$ko" "$root/kh/extra/"; done
[[ "$data" == - ]] || cp -r "$data"/. "$root/kh/data/"
cp "$HERE/guest-lib.sh" "$root/kh/guest-lib.sh"
cp "$script" "$root/kh/test.sh"
cp "$envfile" "$root/kh/env"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
. /kh/env
. /kh/guest-lib.sh
kh_setup
kh_log "running the test script"
# In a subshell: whatever the script does (exit, a failing command), /init goes on to clean up and
# power off, so the guest never panics with "Attempted to kill init".
( . /kh/test.sh )
rc=$?
[ $rc -eq 0 ] || kh_error "test script exited $rc"
kh_done
kh_poweroff
EOF
chmod +x "$root/init"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0 | gzip -1) >"$out"
