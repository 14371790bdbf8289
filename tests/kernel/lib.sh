# The qemu harness for kernel tests (sourced by tests/kernel/*_test.sh, not run). A test boots one
# of the Debian kernels pinned in kernels.conf under qemu (-accel tcg) with a busybox initramfs;
# the guest's NIC is a tap device inside a network namespace created here, with `ncxdp attach`
# capturing on that tap (XDP + AF_XDP) into JSON lines. Pass/fail is decided only from what ncxdp
# received, never from qemu's exit status. See tests/kernel/README.md for the functions.
#
# The EXIT trap kills only the PIDs this file started (KH_PIDS), deletes only the namespace it
# created, and keeps the work directory (console log, ncxdp output, initramfs) when the test failed
# (or KH_KEEP is set).
# shellcheck shell=bash

KH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$KH_DIR/pins.sh"

KH_CACHE="${NCXDP_KERNEL_CACHE:-/var/cache/ncxdp/kernels}"
KH_BOOT_TIMEOUT="${KH_BOOT_TIMEOUT:-180}"
# Addresses that exist only in the namespace and the guest.
KH_HOST_V4=10.213.0.1
KH_GUEST_V4=10.213.0.2
KH_HOST_V6=fd00:213::1
KH_GUEST_V6=fd00:213::2
KH_GUEST_MAC=52:54:00:21:30:02
KH_PIDS=()
KH_NS=""
KH_NCXDP_PID=""
KH_QEMU_PID=""
WORK=""

source "$KH_DIR/../lib/common.sh"
# The harness's names for the shared helpers; the log line carries the kernel pin (KH_ID).
kh_log() { TEST_ID="${KH_ID:-}" log "$@"; }
kh_fail() { TEST_ID="${KH_ID:-}" fail "$@"; }
kh_skip() { TEST_ID="${KH_ID:-}" skip "$@"; }

kh_cleanup() {
  local rc=$?
  local pid
  for pid in "${KH_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${KH_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -z "$KH_NS" ]] || ip netns del "$KH_NS" 2>/dev/null || true
  if [[ -n "$WORK" && -d "$WORK" ]]; then
    if [[ $rc -ne 0 && $rc -ne 77 ]] || [[ -n "${KH_KEEP:-}" ]]; then
      kh_log "kept $WORK (console.log: the guest's serial console; received.jsonl: what ncxdp decoded)"
      if [[ $rc -ne 0 && -f "$WORK/console.log" ]]; then
        kh_log "last lines of the guest console:"
        tail -n 25 "$WORK/console.log" | sed 's/^/    /' >&2
      fi
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$rc"
}

# kh_init BUILD_DIR KERNEL_ID: checks privileges and tools, makes sure the kernel is in the cache
# (fetch-kernels.sh) and sets NCXDP, KH_ID, KH_ABI, KH_PKGVER, KH_KDIR (cache dir: vmlinuz, config,
# modules/), KH_HEADERS, KH_TAG (random, unique to this run), WORK and the EXIT trap.
kh_init() {
  local build=${1:-} id=${2:-}
  [[ -n "$build" && -d "$build" && -n "$id" ]] || kh_fail "usage: $0 BUILD_DIR KERNEL_ID (ids: $(kh_pin_ids | tr '\n' ' '))"
  BUILD="$(cd "$build" && pwd)"
  NCXDP="$BUILD/ncxdp"
  [[ -x "$NCXDP" ]] || kh_fail "$NCXDP not built"
  kh_pin_lookup "$id" || kh_fail "unknown kernel id '$id'"
  trap kh_cleanup EXIT
  [[ $(id -u) -eq 0 ]] || kh_skip "needs root (network namespaces, tap, XDP, the kernel cache)"
  local tool
  for tool in qemu-system-x86_64 busybox cpio gzip jq python3 ip make; do
    command -v "$tool" >/dev/null || kh_skip "$tool not installed (sudo scripts/deps.sh)"
  done
  [[ -c /dev/net/tun ]] || kh_skip "no /dev/net/tun: cannot create tap devices"
  KH_HEADERS="/usr/src/linux-headers-$KH_ABI"
  KH_TAG=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
  WORK="$(mktemp -d /tmp/ncxdp-ktest.XXXXXX)"
  kh_log "kernel $KH_ABI ($KH_PKGVER), work dir $WORK, tag $KH_TAG"
  "$KH_DIR/fetch-kernels.sh" "$KH_ID" || kh_fail "could not fetch kernel $KH_ID"
  KH_KDIR="$KH_CACHE/$KH_ABI"
  : >"$WORK/guest.env"
}

# kh_build_module SRC_DIR [MAKE_VAR=VALUE]...: builds the out-of-tree module in SRC_DIR (a Kbuild
# file and sources) against the pinned kernel's headers, in a copy under WORK, with the make
# variables given (e.g. NCXDP_TX_TEST_HOOKS=y); prints the path of each .ko built. A second call
# with the same arguments in the same run reuses the first build.
kh_build_module() {
  local src=$1
  shift
  [[ -d "$KH_HEADERS" ]] || kh_skip "$KH_HEADERS missing (sudo scripts/deps.sh installs linux-headers-$KH_ABI)"
  local dir
  dir="$WORK/build-$(basename "$src")"
  (($# == 0)) || dir+="-$(printf '%s\n' "$@" | md5sum | cut -c1-8)"
  if [[ ! -f "$dir/.kh-built" ]]; then
    rm -rf "$dir"
    cp -r "$src" "$dir"
    if ! make -C "$KH_HEADERS" M="$dir" "$@" modules >"$dir/build.log" 2>&1; then
      cat "$dir/build.log" >&2
      kh_fail "building $src against $KH_ABI failed"
    fi
    touch "$dir/.kh-built"
  fi
  ls "$dir"/*.ko
}

# kh_netns_up: a namespace with a tap device for the guest's NIC; sets KH_NS, KH_TAP, KH_HOST_MAC.
# The tap carries KH_HOST_V4/KH_HOST_V6; the guest uses KH_GUEST_V4/KH_GUEST_V6 on eth0.
kh_netns_up() {
  KH_NS="ncxdp-k-${KH_ID//./}-$$"
  KH_TAP="khtap$$"
  KH_TAP=${KH_TAP:0:15}
  ip netns add "$KH_NS" 2>/dev/null || {
    KH_NS=""
    kh_skip "cannot create a network namespace (ip netns add failed)"
  }
  ip netns exec "$KH_NS" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip -n "$KH_NS" tuntap add dev "$KH_TAP" mode tap || kh_skip "cannot create a tap device"
  ip -n "$KH_NS" link set lo up
  ip -n "$KH_NS" addr add "$KH_HOST_V4/24" dev "$KH_TAP"
  ip -n "$KH_NS" addr add "$KH_HOST_V6/64" dev "$KH_TAP" nodad
  ip -n "$KH_NS" link set "$KH_TAP" up
  KH_HOST_MAC=$(ip -n "$KH_NS" -o link show "$KH_TAP" | sed -n 's,.*link/ether \([0-9a-f:]*\).*,\1,p')
  [[ -n "$KH_HOST_MAC" ]] || kh_fail "no MAC address on $KH_TAP"
}

# kh_ncxdp_start [ATTACH_OPTION]...: `ncxdp attach KH_TAP -v --out jsonl:KH_OUT` plus the options
# (e.g. --port 6666 --port 6667), in the namespace; returns once the XDP program and the AF_XDP
# sockets are set up. Sets KH_OUT (JSON lines, docs/record-format.md), KH_NCXDP_PID, KH_XDP_MODE.
kh_ncxdp_start() {
  KH_OUT="$WORK/received.jsonl"
  ip netns exec "$KH_NS" "$NCXDP" attach "$KH_TAP" -v --out "jsonl:$KH_OUT" "$@" 2>"$WORK/ncxdp.err" &
  KH_NCXDP_PID=$!
  KH_PIDS+=("$KH_NCXDP_PID")
  local i
  for ((i = 0; i < 200; i++)); do
    grep -q 'AF_XDP' "$WORK/ncxdp.err" 2>/dev/null && break
    kill -0 "$KH_NCXDP_PID" 2>/dev/null || kh_fail "ncxdp attach exited: $(cat "$WORK/ncxdp.err")"
    sleep 0.05
  done
  local setup
  setup=$(grep -m1 "^ncxdp attach: $KH_TAP, XDP program id" "$WORK/ncxdp.err") ||
    kh_fail "ncxdp attach did not set up within 10 s: $(cat "$WORK/ncxdp.err")"
  KH_XDP_MODE=$(sed -n 's/.* in \([a-z]*\) mode,.*/\1/p' <<<"$setup")
  kh_log "$setup"
}

# kh_ncxdp_stop: SIGTERM (ncxdp flushes what is pending and exits 0), then the exit summary on
# stderr. Call it before checking KH_OUT.
kh_ncxdp_stop() {
  kill -TERM "$KH_NCXDP_PID"
  local i
  for ((i = 0; i < 400; i++)); do
    kill -0 "$KH_NCXDP_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$KH_NCXDP_PID" 2>/dev/null && kh_fail "ncxdp attach still running 20 s after SIGTERM"
  local rc=0
  wait "$KH_NCXDP_PID" || rc=$?
  [[ $rc -eq 0 ]] || kh_fail "ncxdp attach exited $rc: $(cat "$WORK/ncxdp.err")"
  grep -E '^ncxdp attach: [0-9]+ datagrams' "$WORK/ncxdp.err" | sed 's/^/    /' >&2 || true
}

# kh_guest_env NAME VALUE: a variable for the guest's test script (in /kh/env).
kh_guest_env() {
  local v=${2//\'/\'\\\'\'}
  printf "%s='%s'\n" "$1" "$v" >>"$WORK/guest.env"
}

# kh_initramfs TEST_SCRIPT [DATA_DIR|-] [MODULE.ko]...: builds WORK/initramfs.cpio.gz for the
# guest (mkinitramfs.sh): the test script runs after kh_setup; DATA_DIR lands in /kh/data and
# each MODULE.ko in /kh/extra, next to kh_printk.ko (built here, loaded by every guest).
kh_initramfs() {
  local script=$1
  shift
  local data=-
  if [[ $# -gt 0 ]]; then
    data=$1
    shift
  fi
  # The test printer goes into every guest: printing exact bytes, and flushing the consoles.
  local printk_ko
  printk_ko=$(kh_build_module "$KH_DIR/printk")
  {
    printf "KH_TAG='%s'\nKH_ID='%s'\nKH_ABI='%s'\nKH_DEV=eth0\n" "$KH_TAG" "$KH_ID" "$KH_ABI"
    printf "KH_HOST_V4='%s'\nKH_GUEST_V4='%s'\nKH_HOST_V6='%s'\nKH_GUEST_V6='%s'\nKH_HOST_MAC='%s'\n" \
      "$KH_HOST_V4" "$KH_GUEST_V4" "$KH_HOST_V6" "$KH_GUEST_V6" "$KH_HOST_MAC"
    cat "$WORK/guest.env"
  } >"$WORK/env"
  "$KH_DIR/mkinitramfs.sh" "$WORK/initramfs.cpio.gz" "$KH_KDIR" "$script" "$WORK/env" "$data" "$printk_ko" "$@" ||
    kh_fail "building the initramfs failed"
}

# kh_boot [KERNEL_ARG]...: starts the guest in the background (qemu -accel tcg, KH_BOOT_TIMEOUT
# seconds at most) on the tap; its serial console goes to WORK/console.log. Sets KH_QEMU_PID.
kh_boot() {
  [[ -f "$WORK/initramfs.cpio.gz" ]] || kh_fail "kh_boot before kh_initramfs"
  # quiet would lower the console loglevel and netconsole would stop sending info messages;
  # ignore_loglevel sends every level, so the printk sequence numbers a target sees have no holes.
  local append="console=ttyS0 panic=-1 printk.devkmsg=on ignore_loglevel $*"
  KH_BOOT_ARGS=("$@")
  # KVM is never used: it appears to start on these machines, then the guest hangs silently.
  # One vCPU gains nothing from multi-threaded TCG, and its atomics emulation is where a rare
  # boot-time double fault of 6.12 (in SLUB's cmpxchg16b) was seen under load. KH_SMP=N boots N
  # vCPUs, each on its own host thread: with thread=single they take turns in 100 ms slices,
  # longer than the kernel's 10 ms wait for CPUs it stops with an NMI at panic, so a 6.1 guest
  # panicked with a CPU still running (seen here); multi-threaded TCG runs them at once.
  local accel=tcg,thread=single
  [[ "${KH_SMP:-1}" == 1 ]] || accel=tcg,thread=multi
  ip netns exec "$KH_NS" timeout -k 5 "$KH_BOOT_TIMEOUT" qemu-system-x86_64 \
    -accel "$accel" -cpu qemu64 -smp "${KH_SMP:-1}" -m 256M -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$KH_KDIR/vmlinuz" -initrd "$WORK/initramfs.cpio.gz" -append "$append" \
    -serial "file:$WORK/console.log" -monitor none \
    -netdev "tap,id=n0,ifname=$KH_TAP,script=no,downscript=no" \
    -device "virtio-net-pci,netdev=n0,romfile=,mac=$KH_GUEST_MAC" \
    >"$WORK/qemu.log" 2>&1 &
  KH_QEMU_PID=$!
  KH_PIDS+=("$KH_QEMU_PID")
  KH_BOOT_START=$SECONDS
  kh_log "booting $KH_ABI (pid $KH_QEMU_PID): $append"
}

# kh_count JQ_CONDITION: how many records in KH_OUT satisfy the jq condition, e.g.
# '.src == "10.213.0.2:6601" and (.text | startswith("kh:"))'. Gap events have .event == "gap".
# ncxdp may be writing KH_OUT: a half-written last line is a jq parse error (exit 2) that would end
# the test under pipefail. jq has printed every earlier match by then, so its count stands.
kh_count() {
  { jq -c "select($1)" "$KH_OUT" 2>/dev/null || true; } | wc -l
}

# True when this is the first boot, the guest kernel crashed (Oops, BUG, panic) before /init
# started the test script, and ncxdp received nothing.
kh_crashed_before_test() {
  [[ -z "${KH_BOOT_RETRIED:-}" && -f "$WORK/console.log" && ! -s "$KH_OUT" ]] &&
    grep -aq -E 'Oops|BUG:|Kernel panic' "$WORK/console.log" &&
    ! grep -aq 'kh: running the test script' "$WORK/console.log"
}

# kh_wait_for JQ_CONDITION COUNT [SECS]: waits until COUNT records satisfy the condition; fails
# when SECS (default KH_BOOT_TIMEOUT) pass, or 3 s after the guest stopped, before that. A guest
# kernel that crashes while booting, before the test script and before sending anything, is
# booted once more (logged): that is the emulator, not the code under test.
kh_wait_for() {
  local cond=$1 want=$2 secs=${3:-$KH_BOOT_TIMEOUT} have=0 gone=""
  local deadline=$((SECONDS + secs))
  while ((SECONDS < deadline)); do
    have=$(kh_count "$cond")
    ((have >= want)) && return 0
    if [[ -z "$gone" ]] && ! kill -0 "$KH_QEMU_PID" 2>/dev/null; then gone=$SECONDS; fi
    if [[ -n "$gone" ]] && kh_crashed_before_test; then
      # Not what is under test: the guest kernel died under emulation before the test began,
      # and nothing reached ncxdp. One more boot, said out loud.
      kh_log "the guest kernel crashed while booting, before the test script started; booting once more"
      grep -a -m1 -E 'Oops|BUG:|Kernel panic' "$WORK/console.log" | sed 's/^/    /' >&2 || true
      mv "$WORK/console.log" "$WORK/console.crashed.log"
      KH_BOOT_RETRIED=1
      kh_boot "${KH_BOOT_ARGS[@]}"
      deadline=$((SECONDS + secs))
      gone=""
      continue
    fi
    # Once qemu is gone, whatever is still in flight arrives within a moment.
    [[ -n "$gone" ]] && ((SECONDS - gone >= 3)) && break
    sleep 0.2
  done
  local why="after $((SECONDS - KH_BOOT_START)) s"
  [[ -z "$gone" ]] || why+=", the guest stopped (powered off, panicked or hit KH_BOOT_TIMEOUT=$KH_BOOT_TIMEOUT)"
  kh_fail "$have of $want records satisfy '$cond' $why"
}

# kh_wait_qemu [SECS]: waits (default 30 s) for the guest to power off; fails if it does not.
kh_wait_qemu() {
  local secs=${1:-30} i
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$KH_QEMU_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$KH_QEMU_PID" 2>/dev/null && kh_fail "the guest is still running after $secs s"
  wait "$KH_QEMU_PID" 2>/dev/null || true
}

# The final marker /init sends after the test script: "kh:DONE:<tag> errors=<n>".
kh_done_condition() {
  printf '.text != null and (.text | startswith("kh:DONE:%s "))' "$KH_TAG"
}

# kh_count_done: how many sources have sent the final marker so far.
kh_count_done() {
  { jq -r "select($(kh_done_condition)) | .src" "$KH_OUT" 2>/dev/null || true; } | sort -u | wc -l
}

# kh_wait_done COUNT [SECS]: waits until COUNT sources delivered the final marker, then until
# qemu exits (30 s at most). Fails (keeping WORK) when the guest stops or SECS pass (default
# KH_BOOT_TIMEOUT) first.
kh_wait_done() {
  kh_wait_for "$(kh_done_condition)" "$1" "${2:-$KH_BOOT_TIMEOUT}"
  kh_wait_qemu 30
  kh_log "guest ran $((SECONDS - KH_BOOT_START)) s; final marker from $(kh_count_done) sources"
}

# kh_guest_errors: the error count the guest's final marker carried (same on every source).
kh_guest_errors() {
  jq -r "select($(kh_done_condition)) | .text" "$KH_OUT" | head -1 | sed 's/.*errors=//'
}

# kh_check EXPECT_JSON: compares what ncxdp decoded (KH_OUT) with the expectations
# (check_records.py documents the format); prints a per-source summary; fails on any difference.
# Then makes sure the comparison has teeth: damaged copies of KH_OUT must all be rejected.
kh_check() {
  python3 "$KH_DIR/check_records.py" "$1" "$KH_OUT" || kh_fail "received records differ from what the guest sent"
  python3 "$KH_DIR/check_records.py" --self-test "$1" "$KH_OUT" || kh_fail "check_records.py accepts damaged records"
}
