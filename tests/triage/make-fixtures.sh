#!/usr/bin/env bash
# Regenerates tests/triage/fixtures/: boots Debian's 6.1 and 6.12 kernels under qemu (TCG) with the
# ncxdp_crashme test module (tests/triage/crashme/) and makes each kernel print real reports:
# WARNINGs, kernel BUG, NULL pointer dereference, page fault, general protection fault, soft
# lockup, RCU stall, hung task, OOM kill, and (one boot each, since they end the guest) an oops
# with panic_on_oops, a direct panic() and a fatal machine check injected from the qemu monitor.
# For every boot it keeps what the serial console printed (<kernel>-<scenario>.serial.log) and
# what netconsole sent, as received by `ncxdp listen` (<kernel>-<scenario>.netconsole.jsonl).
#
# Not run by `make test`: the fixtures are committed, and this takes a few minutes of emulation.
# Usage: sudo tests/triage/make-fixtures.sh BUILD_DIR [OUT_DIR]
#   BUILD_DIR: an ncxdp build directory (its ncxdp binary receives the netconsole traffic)
#   OUT_DIR:   default tests/triage/fixtures
# The kernels are the ones pinned in tests/kernel/kernels.conf, fetched by
# tests/kernel/fetch-kernels.sh into $NCXDP_KERNEL_CACHE (outside git); linux-headers of the same
# versions must be installed (scripts/deps.sh installs them).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
KERNEL_DIR="$(cd "$HERE/../kernel" && pwd)"
BUILD="$(cd "${1:?usage: $0 BUILD_DIR [OUT_DIR]}" && pwd)"
OUT="${2:-$HERE/fixtures}"
export NCXDP_KERNEL_CACHE="${NCXDP_KERNEL_CACHE:-/var/cache/ncxdp/kernels}"
CACHE="$NCXDP_KERNEL_CACHE"
NCXDP="$BUILD/ncxdp"
source "$KERNEL_DIR/pins.sh"
# NCXDP_FIXTURE_KERNELS (pin ids) / NCXDP_FIXTURE_SCENARIOS narrow a run while debugging.
read -r -a KERNELS <<<"${NCXDP_FIXTURE_KERNELS:-$(kh_pin_ids | tr '\n' ' ')}"
read -r -a SCENARIOS <<<"${NCXDP_FIXTURE_SCENARIOS:-main oops-panic panic mce}"
NS="ncxdp-triage-fx-$$"
GUEST_IP=10.77.0.2
HOST_IP=10.77.0.1
WORK=""
PIDS=()

log() { echo "[make-fixtures] $*" >&2; }
die() {
  log "FAIL: $*"
  exit 1
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  [[ -n "$WORK" ]] && rm -rf "$WORK"
}
trap cleanup EXIT

[[ $(id -u) -eq 0 ]] || die "needs root (network namespace, tap device)"
[[ -x "$NCXDP" ]] || die "$NCXDP not built"
for tool in qemu-system-x86_64 busybox cpio gcc python3; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/deps.sh installs it)"
done
WORK="$(mktemp -d /tmp/ncxdp-triage-fx.XXXXXX)"
mkdir -p "$CACHE" "$OUT"

# --- per kernel: the crashme module, built against the kernel's own headers ----------------
build_crashme() {
  local ver=$1
  local dir="$WORK/crashme-$ver"
  [[ -d /usr/src/linux-headers-$ver ]] || die "install linux-headers-$ver (same version as the image)"
  mkdir -p "$dir"
  cp "$HERE/crashme/ncxdp_crashme.c" "$HERE/crashme/Kbuild" "$dir/"
  make -s -C "/usr/src/linux-headers-$ver" M="$dir" modules >"$dir/build.log" 2>&1 ||
    die "building ncxdp_crashme for $ver failed: $(tail -5 "$dir/build.log")"
  echo "$dir/ncxdp_crashme.ko"
}

# --- the guest -------------------------------------------------------------------------------
# The guest's /init for one scenario. Markers go to /dev/kmsg so they are part of the kernel log
# (and of the fixtures) and show where each step starts.
write_init() {
  local scenario=$1 netconsole=$2 modules=$3
  cat <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mark() { echo "ncxdp-fixture: \$*" > /dev/kmsg; }
for m in $modules; do insmod /lib/modules/\$m.ko; done
ip link set lo up
ip link set eth0 up
ip addr add $GUEST_IP/24 dev eth0
insmod /lib/modules/netconsole.ko netconsole=$netconsole
insmod /lib/modules/ncxdp_crashme.ko
# A target registered at load replays the whole log ring; let it drain before the first report, or
# the report can be lost behind it (netpoll drops what the device queue cannot take).
sleep 2
# An oops kills the writing shell, so every action runs in its own.
act() { mark "step \$1"; sh -c "echo '\$1' > /proc/ncxdp_crashme" >/dev/null 2>&1; sleep 1; }
stall() { echo \$1 > /sys/module/rcupdate/parameters/rcu_cpu_stall_suppress; }
EOF
  case "$scenario" in
    main)
      cat <<'EOF'
stall 1
act warn_a
act warn_b
act warn_a
# hung task: reported once after 2 s in D state. Before any oops: once the kernel is tainted D
# (died), the hung task detector stays quiet.
echo 1 > /proc/sys/kernel/hung_task_warnings
echo 2 > /proc/sys/kernel/hung_task_timeout_secs
act "sleep 8"
echo 0 > /proc/sys/kernel/hung_task_timeout_secs
# soft lockup: watchdog_thresh=1 reports after 2 s; RCU stall reports are suppressed meanwhile
act "spin 5"
# RCU stall: rcu_cpu_stall_timeout=3, the soft lockup watchdog off
echo 0 > /proc/sys/kernel/soft_watchdog
stall 0
act "spin 7"
stall 1
act bug
act null
act fault
act gpf
mark "step oom"
sh -c 'echo 1000 > /proc/self/oom_score_adj; exec /hog' >/dev/null 2>&1
sleep 1
mark done
rmmod netconsole
poweroff -f
EOF
      ;;
    oops-panic)
      cat <<'EOF'
echo 1 > /proc/sys/kernel/panic_on_oops
act null
EOF
      ;;
    panic)
      echo 'act panic'
      ;;
    mce)
      cat <<'EOF'
mark "ready for mce"
sleep 60
EOF
      ;;
  esac
  # Reached only when a fatal scenario failed to end the guest.
  echo 'mark "scenario did not end the guest"; poweroff -f'
}

build_initramfs() {
  local ver=$1 scenario=$2 crashme=$3 out=$4
  local root="$WORK/root-$ver-$scenario"
  local moddir="$CACHE/$ver/modules" netconsole modules
  rm -rf "$root"
  mkdir -p "$root"/{bin,proc,sys,dev,lib/modules}
  cp /bin/busybox "$root/bin/busybox"
  cp "$WORK/hog" "$root/hog"
  cp "$crashme" "$root/lib/modules/"
  # fetch-kernels.sh lists the modules it extracted in insmod order, dependencies first.
  modules=$(tr '\n' ' ' <"$moddir/load-order")
  local m
  for m in $modules; do cp "$moddir/$m.ko" "$root/lib/modules/"; done
  # Extended (+); on 6.6+ also the release prefix (r), as fleets on 6.12 send it.
  netconsole="+6665@$GUEST_IP/eth0,6666@$HOST_IP/"
  [[ "$ver" == 6.1.* ]] || netconsole="+r6665@$GUEST_IP/eth0,6666@$HOST_IP/"
  write_init "$scenario" "$netconsole" "$(echo " $modules " | sed 's/ netconsole / /')" >"$root/init"
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out"
}

# Sends one command to the qemu monitor's unix socket.
monitor() {
  python3 - "$1" "$2" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
time.sleep(0.3)
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(0.5)
s.close()
EOF
}

wait_for() { # file pattern seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Boots one scenario; writes the two fixture files.
boot() {
  local ver=$1 scenario=$2 crashme=$3 short=$4
  local name="$short-$scenario"
  local initrd="$WORK/initrd-$ver-$scenario.gz"
  local serial="$WORK/$name.serial.raw" jsonl="$WORK/$name.netconsole.jsonl"
  build_initramfs "$ver" "$scenario" "$crashme" "$initrd"

  ip netns add "$NS"
  ip -n "$NS" link set lo up
  ip -n "$NS" tuntap add dev tap0 mode tap
  ip -n "$NS" addr add "$HOST_IP/24" dev tap0
  ip -n "$NS" link set tap0 up
  ip netns exec "$NS" "$NCXDP" listen --bind "$HOST_IP" -p 6666 --out "jsonl:$jsonl" 2>"$WORK/$name.ncxdp.err" &
  local rx=$!
  PIDS+=("$rx")
  # panic=0 (wait forever) prints the final "---[ end Kernel panic" line, as a hung machine does;
  # the mce boot reboots after 5 s instead ("Rebooting in 5 seconds.."), and qemu exits then.
  local panic=0
  [[ $scenario == mce ]] && panic=5
  local append="console=ttyS0 panic=$panic printk.devkmsg=on watchdog_thresh=1 rcupdate.rcu_cpu_stall_timeout=3"
  ip netns exec "$NS" timeout 300 qemu-system-x86_64 -accel tcg -cpu qemu64 -smp 1 -m 256M \
    -nodefaults -no-user-config -nographic -no-reboot \
    -kernel "$CACHE/$ver/vmlinuz" -initrd "$initrd" -append "$append" \
    -serial stdio -monitor "unix:$WORK/monitor.sock,server,nowait" \
    -netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=n0,romfile= \
    </dev/null >"$serial" 2>"$WORK/$name.qemu.err" &
  local vm=$!
  PIDS+=("$vm")
  if [[ $scenario == mce ]]; then
    wait_for "$serial" "ready for mce" 120 || die "$name: guest never got ready for the machine check"
    sleep 1
    # Uncorrected, processor context corrupt (VAL|UC|EN|PCC) in bank 1; MCG_STATUS MCIP|RIPV.
    monitor "$WORK/monitor.sock" "mce 0 1 0xb200000000000000 0x5 0x0 0x0"
  elif [[ $scenario != main ]]; then
    wait_for "$serial" "end Kernel panic" 120 || die "$name: the guest did not panic"
    sleep 2 # the last datagrams on their way to ncxdp
    monitor "$WORK/monitor.sock" quit
  fi
  wait "$vm" || die "$name: qemu failed or timed out: $(tail -3 "$WORK/$name.qemu.err")"
  sleep 1
  kill -TERM "$rx"
  wait "$rx" || true
  ip netns del "$NS"
  # qemu's serial output has CRLF line ends; the kernel sends LF.
  tr -d '\r' <"$serial" >"$OUT/$name.serial.log"
  cp "$jsonl" "$OUT/$name.netconsole.jsonl"
  local last="Kernel panic - not syncing"
  [[ $scenario == main ]] && last="ncxdp-fixture: done"
  grep -q "$last" "$OUT/$name.serial.log" || die "$name: no '$last' on the serial console"
  grep -q "$last" "$OUT/$name.netconsole.jsonl" || die "$name: netconsole lost '$last' (run again)"
  log "$name: $(wc -l <"$OUT/$name.serial.log") serial lines, $(wc -l <"$OUT/$name.netconsole.jsonl") netconsole records"
}

gcc -static -O1 -o "$WORK/hog" "$HERE/crashme/hog.c"
for id in "${KERNELS[@]}"; do
  kh_pin_lookup "$id" || die "unknown kernel '$id'"
  "$KERNEL_DIR/fetch-kernels.sh" "$KH_ID" || die "fetch-kernels.sh $KH_ID failed"
  crashme=$(build_crashme "$KH_ABI")
  for scenario in "${SCENARIOS[@]}"; do boot "$KH_ABI" "$scenario" "$crashme" "deb$KH_ID"; done
done
log "fixtures written to $OUT"
