#!/usr/bin/env bash
# The Debian packages (packaging/debian, `make deb`), each part checked with the real tool:
#   1. build-deb.sh builds ncxdp and ncxdp-tx-dkms from the tree already built (no second compile),
#      with the version of CMakeLists.txt, dependencies from dpkg-shlibdeps, the expected files and
#      conffiles, and leaves the source tree as it found it (git status);
#   2. lintian finds no error and no warning (overrides, if any, each carry a comment);
#   3. ncxdp installs with `dpkg --root` into a throwaway root (plus the host's systemd units and
#      /bin/kill, as a base system would have them); `systemd-analyze verify --root` accepts the
#      installed unit, man page included (Documentation=man:ncxdp(8)); the logrotate snippet,
#      pointed at a live `ncxdp listen`, rotates its jsonl and per-sender files and the SIGHUP
#      makes ncxdp write new ones; purge removes the conffiles;
#   4. `dkms build` makes the module from the installed DKMS source against every pinned kernel's
#      headers, in a private DKMS tree (nothing under /var/lib/dkms);
#   5. the 6.12 guest (tests/kernel harness) loads that module with modprobe, with the targets
#      from the package's /etc/modprobe.d/ncxdp_tx.conf example, and its message reaches
#      `ncxdp attach`.
#
# Usage: package_test.sh BUILD_DIR (ctest passes it). Needs root; exit 77 = skipped (a failure
# under CI=true).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../kernel/lib.sh"
GUEST_KERNEL=6.12
kh_init "${1:-}" "$GUEST_KERNEL"
SRC="$(cd "$HERE/../.." && pwd)"
for tool in dpkg-buildpackage dh dh_dkms lintian dkms help2man fakeroot systemd-analyze logrotate man xz; do
  command -v "$tool" >/dev/null || kh_skip "$tool not installed (sudo scripts/deps.sh)"
done
version=$(sed -n 's/^project(ncxdp VERSION \([0-9][0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[[ -n "$version" ]] || kh_fail "no project(ncxdp VERSION ...) in CMakeLists.txt"

# ---- 1. build ----------------------------------------------------------------------------------
t=$SECONDS
git_before=$(git -C "$SRC" status --porcelain 2>/dev/null || true)
"$SRC/packaging/build-deb.sh" "$BUILD" "$WORK/deb" >"$WORK/build-deb.out" 2>&1 || {
  cat "$WORK/build-deb.out" >&2
  kh_fail "packaging/build-deb.sh failed"
}
git_after=$(git -C "$SRC" status --porcelain 2>/dev/null || true)
[[ "$git_before" == "$git_after" ]] ||
  kh_fail "building the packages changed the source tree: $(diff <(echo "$git_before") <(echo "$git_after"))"
deb="$WORK/deb/ncxdp_${version}_amd64.deb"
dkms_deb="$WORK/deb/ncxdp-tx-dkms_${version}_all.deb"
[[ -f "$deb" && -f "$dkms_deb" ]] || kh_fail "expected $deb and $dkms_deb; got: $(ls "$WORK/deb")"
kh_log "built $(basename "$deb") and $(basename "$dkms_deb") in $((SECONDS - t)) s"

for d in "$deb" "$dkms_deb"; do
  [[ $(dpkg-deb -f "$d" Version) == "$version" ]] || kh_fail "$(basename "$d") has version $(dpkg-deb -f "$d" Version), CMakeLists.txt $version"
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libbpf1 libxdp1 libpcap0.8 libnats; do
  [[ "$depends" == *"$lib"* ]] || kh_fail "ncxdp Depends lacks $lib (dpkg-shlibdeps): $depends"
done
[[ "$depends" != *'${'* ]] || kh_fail "ncxdp Depends has an unexpanded substitution: $depends"
# must_have DEB PATH...: the package holds every PATH.
must_have() {
  local d=$1 list
  shift
  list=$(dpkg-deb -c "$d" | awk '{print $6}' | sed 's|^\./|/|')
  for p in "$@"; do
    grep -qxF "$p" <<<"$list" || kh_fail "$(basename "$d") lacks $p"
  done
  ! grep -q '^/usr/local' <<<"$list" || kh_fail "$(basename "$d") installs under /usr/local"
}
must_have "$deb" /usr/bin/ncxdp /usr/bin/ncxdp-storm /lib/systemd/system/ncxdp@.service /etc/default/ncxdp \
  /etc/logrotate.d/ncxdp /usr/share/man/man8/ncxdp.8.gz /usr/share/man/man8/ncxdp-storm.8.gz \
  /usr/share/doc/ncxdp/README.md.gz /usr/share/doc/ncxdp/copyright /usr/share/ncxdp/prometheus/ncxdp.rules.yml \
  /usr/share/ncxdp/grafana/ncxdp.json
must_have "$dkms_deb" "/usr/src/ncxdp-tx-$version/dkms.conf" "/usr/src/ncxdp-tx-$version/Kbuild" \
  "/usr/src/ncxdp-tx-$version/tx_core.c" /etc/modprobe.d/ncxdp_tx.conf /usr/share/doc/ncxdp-tx-dkms/README.Debian
mkdir -p "$WORK/ctl/ncxdp" "$WORK/ctl/dkms"
dpkg-deb -e "$deb" "$WORK/ctl/ncxdp"
dpkg-deb -e "$dkms_deb" "$WORK/ctl/dkms"
[[ $(sort "$WORK/ctl/ncxdp/conffiles") == $'/etc/default/ncxdp\n/etc/logrotate.d/ncxdp' ]] ||
  kh_fail "ncxdp conffiles: $(cat "$WORK/ctl/ncxdp/conffiles")"
grep -qxF /etc/modprobe.d/ncxdp_tx.conf "$WORK/ctl/dkms/conffiles" || kh_fail "/etc/modprobe.d/ncxdp_tx.conf is not a conffile"
grep -q 'dkms' "$WORK/ctl/dkms/postinst" && grep -q 'dkms' "$WORK/ctl/dkms/prerm" ||
  kh_fail "ncxdp-tx-dkms has no dkms maintainer scripts (dh_dkms)"
kh_log "OK: versions, Depends ($depends), files and conffiles"

# ---- 2. lintian ----------------------------------------------------------------------------------
t=$SECONDS
for ov in "$SRC"/packaging/debian/*lintian-overrides; do
  [[ -f "$ov" ]] || continue
  awk -v f="$ov" '/^#/ {c = 1; next} /^[[:space:]]*$/ {next} !c {print f ": override without a comment: " $0; bad = 1} {c = 0} END {exit bad}' "$ov" >&2 ||
    kh_fail "every lintian override needs a comment line above it saying why"
done
if ! lintian --fail-on error,warning --display-info "$WORK/deb/ncxdp_${version}_amd64.changes" >"$WORK/lintian.txt" 2>&1; then
  cat "$WORK/lintian.txt" >&2
  kh_fail "lintian reports errors or warnings"
fi
grep -E '^[EW]:' "$WORK/lintian.txt" >&2 && kh_fail "lintian printed errors or warnings"
kh_log "OK: lintian clean ($((SECONDS - t)) s)$(grep -c '^I:' "$WORK/lintian.txt" | sed 's/^/, info tags: /')"

# ---- 3. ncxdp in a throwaway root ----------------------------------------------------------------
R="$WORK/root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" "$R/lib/systemd/system" "$R/bin"
: >"$R/var/lib/dpkg/status"
# What the unit refers to on a Debian system: systemd's own units (sysinit.target, ...) and
# /bin/kill (ExecReload).
cp -a /lib/systemd/system/. "$R/lib/systemd/system/"
cp /bin/kill "$R/bin/kill"
# --force-depends: the root has no libraries; nothing runs in it (ncxdp has no maintainer scripts).
dpkg --root="$R" --force-depends -i "$deb" >"$WORK/dpkg.txt" 2>&1 || {
  cat "$WORK/dpkg.txt" >&2
  kh_fail "dpkg --root -i failed"
}
dpkg --root="$R" -s ncxdp | grep -qx 'Status: install ok installed' || kh_fail "ncxdp not installed in $R"
[[ $("$R/usr/bin/ncxdp" --version) == "ncxdp $version" ]] || kh_fail "installed ncxdp --version: $("$R/usr/bin/ncxdp" --version)"
grep -q '^ExecStart=/usr/bin/ncxdp attach %i ' "$R/lib/systemd/system/ncxdp@.service" || kh_fail "the installed unit does not run /usr/bin/ncxdp"
# MANPATH: systemd-analyze checks Documentation=man: pages with the host's man, not in --root.
if ! MANPATH="$R/usr/share/man" systemd-analyze verify --root="$R" ncxdp@eth9.service >"$WORK/verify.txt" 2>&1 ||
  [[ -s "$WORK/verify.txt" ]]; then
  cat "$WORK/verify.txt" >&2
  kh_fail "systemd-analyze verify rejects or warns about the installed unit"
fi
# The man check has teeth: without the package's pages the same verify fails.
mkdir -p "$WORK/no-man"
MANPATH="$WORK/no-man" systemd-analyze verify --root="$R" ncxdp@eth9.service >"$WORK/verify-noman.txt" 2>&1 &&
  kh_fail "systemd-analyze verify passes without the man page: the Documentation= check is not running"
grep -q 'man ncxdp(8)' "$WORK/verify-noman.txt" || kh_fail "unexpected verify failure: $(cat "$WORK/verify-noman.txt")"
for cmd in $("$R/usr/bin/ncxdp" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
  MANPATH="$R/usr/share/man" man -P cat 8 ncxdp 2>/dev/null | grep -q "ncxdp $cmd" || kh_fail "ncxdp(8) has no section for 'ncxdp $cmd'"
done
kh_log "OK: installed in a throwaway root, systemd-analyze verify --root clean, ncxdp(8) found and complete"

# The logrotate snippet on a live `ncxdp listen`: paths moved under WORK, postrotate's signal sent
# to this ncxdp instead of the unit.
kh_netns_up
logs="$WORK/log"
mkdir -p "$logs"
chmod 755 "$WORK"
ip netns exec "$KH_NS" "$NCXDP" listen --bind 127.0.0.1 --port 7666 --out "jsonl:$logs/all.jsonl" \
  --out "dir:$logs/hosts" 2>"$WORK/listen.err" &
listen_pid=$!
KH_PIDS+=("$listen_pid")
awk -v d="$logs" -v pid="$listen_pid" '
  /^[[:space:]]*postrotate/ {print; print "\t\tkill -HUP " pid; skip = 1; next}
  /^[[:space:]]*endscript/ {skip = 0}
  !skip {gsub("/var/log/ncxdp", d); print}' "$R/etc/logrotate.d/ncxdp" >"$WORK/logrotate.conf"
grep -q "^$logs/\*.log $logs/\*.jsonl $logs/hosts/\*.log {" "$WORK/logrotate.conf" ||
  kh_fail "unexpected logrotate snippet: $(cat "$R/etc/logrotate.d/ncxdp")"
# send_line TEXT, wait_line FILE TEXT: one plain netconsole line to the listener, and its arrival.
send_line() { ip netns exec "$KH_NS" bash -c "printf '%s\n' '$1' >/dev/udp/127.0.0.1/7666"; }
wait_line() {
  local i
  for ((i = 0; i < 100; i++)); do
    grep -qsF "$2" $1 && return 0
    send_line "$2"
    sleep 0.1
  done
  kh_fail "'$2' never reached $1 ($(cat "$WORK/listen.err"))"
}
wait_line "$logs/all.jsonl" "pkg-rotate-1"
wait_line "$logs/hosts/*.log" "pkg-rotate-1"
logrotate -f -s "$WORK/logrotate.state" "$WORK/logrotate.conf" 2>"$WORK/logrotate.err" ||
  kh_fail "logrotate failed: $(cat "$WORK/logrotate.err")"
[[ -f "$logs/all.jsonl.1" ]] && ls "$logs"/hosts/*.log.1 >/dev/null 2>&1 ||
  kh_fail "logrotate did not rotate: $(ls -R "$logs")"
# ncxdp reopens on the SIGHUP (its jsonl output at once, dir: files at their next line): a line
# sent before that would still go to the rotated file.
for ((i = 0; i < 100; i++)); do
  [[ -f "$logs/all.jsonl" ]] && break
  sleep 0.1
done
[[ -f "$logs/all.jsonl" ]] || kh_fail "ncxdp did not reopen all.jsonl after logrotate's SIGHUP ($(cat "$WORK/listen.err"))"
wait_line "$logs/all.jsonl" "pkg-rotate-2"
wait_line "$logs/hosts/*.log" "pkg-rotate-2"
! grep -qF pkg-rotate-2 "$logs/all.jsonl.1" "$logs"/hosts/*.log.1 || kh_fail "ncxdp kept writing the rotated files"
grep -qF pkg-rotate-1 "$logs/all.jsonl.1" || kh_fail "the rotated all.jsonl.1 lost its records"
kill -TERM "$listen_pid"
wait "$listen_pid" || kh_fail "ncxdp listen exited $?: $(cat "$WORK/listen.err")"
kh_log "OK: logrotate moved the outputs, SIGHUP made ncxdp write new ones"

dpkg --root="$R" --purge ncxdp >>"$WORK/dpkg.txt" 2>&1 || kh_fail "dpkg --purge failed: $(cat "$WORK/dpkg.txt")"
[[ ! -e "$R/etc/default/ncxdp" && ! -e "$R/usr/bin/ncxdp" && ! -e "$R/lib/systemd/system/ncxdp@.service" ]] ||
  kh_fail "purge left files behind"
kh_log "OK: purged"

# ---- 4. dkms build against every pinned kernel ---------------------------------------------------
t=$SECONDS
X="$WORK/dkms-pkg"
dpkg-deb -x "$dkms_deb" "$X"
grep -qx 'AUTOINSTALL="yes"' "$X/usr/src/ncxdp-tx-$version/dkms.conf" || kh_fail "dkms.conf lacks AUTOINSTALL=\"yes\""
# A private DKMS tree, and a throwaway signing key (dkms would otherwise create one in /var/lib/dkms).
mkdir -p "$WORK/dkms-tree"
DK=(--sourcetree "$X/usr/src" --dkmstree "$WORK/dkms-tree")
export mok_signing_key="$WORK/dkms-mok.key" mok_certificate="$WORK/dkms-mok.pub"
dkms add -m ncxdp-tx -v "$version" "${DK[@]}" >"$WORK/dkms.log" 2>&1 || kh_fail "dkms add failed: $(cat "$WORK/dkms.log")"
for id in $(kh_pin_ids); do
  kh_pin_lookup "$id"
  dkms build -m ncxdp-tx -v "$version" -k "$KH_ABI" "${DK[@]}" >>"$WORK/dkms.log" 2>&1 || {
    cat "$WORK/dkms.log" >&2
    kh_fail "dkms build against $KH_ABI failed"
  }
  mod=$(ls "$WORK/dkms-tree/ncxdp-tx/$version/$KH_ABI"/*/module/ncxdp_tx.ko* 2>/dev/null | head -1)
  [[ -n "$mod" ]] || kh_fail "dkms built no ncxdp_tx.ko for $KH_ABI"
  vermagic=$(modinfo -F vermagic "$mod")
  [[ "$vermagic" == "$KH_ABI "* ]] || kh_fail "$mod has vermagic '$vermagic', expected $KH_ABI"
  mkdir -p "$WORK/ko/$KH_ABI"
  case "$mod" in
  *.xz) xz -dc "$mod" >"$WORK/ko/$KH_ABI/ncxdp_tx.ko" ;;
  *) cp "$mod" "$WORK/ko/$KH_ABI/ncxdp_tx.ko" ;;
  esac
  kh_log "OK: dkms build for $KH_ABI: $(basename "$mod")"
done
dkms status -m ncxdp-tx "${DK[@]}" | grep -c ': built' | grep -qx "$(kh_pin_ids | wc -l)" ||
  kh_fail "dkms status: $(dkms status -m ncxdp-tx "${DK[@]}")"
[[ ! -e /var/lib/dkms/ncxdp-tx ]] || kh_log "note: /var/lib/dkms/ncxdp-tx exists (not made by this test)"
kh_log "OK: dkms built the module for every pinned kernel ($((SECONDS - t)) s)"
kh_pin_lookup "$GUEST_KERNEL"

# ---- 5. the DKMS-built module in the 6.12 guest, configured by the package's modprobe.d file ----
targets="+r@/eth0,6666@$KH_HOST_V4/"
mkdir -p "$WORK/guest-data"
cp "$WORK/ko/$KH_ABI/ncxdp_tx.ko" "$WORK/guest-data/"
# The example's first line, pointed at the host: the example must stay a working line.
sed "s|^#options ncxdp_tx targets=+r@/eth0,6666@10.0.0.1/\$|options ncxdp_tx targets=$targets|" \
  "$X/etc/modprobe.d/ncxdp_tx.conf" >"$WORK/guest-data/ncxdp_tx.conf"
[[ $(grep -c '^options' "$WORK/guest-data/ncxdp_tx.conf") == 1 ]] ||
  kh_fail "the modprobe.d example no longer has the line '#options ncxdp_tx targets=+r@/eth0,6666@10.0.0.1/'"
kh_ncxdp_start --port 6666
kh_guest_env PKG_TARGETS "$targets"
kh_initramfs "$HERE/pkg_guest.sh" "$WORK/guest-data"
kh_boot
kh_wait_done 1 150
kh_ncxdp_stop
[[ $(kh_guest_errors) == 0 ]] || {
  grep -a 'kh: ERROR' "$WORK/console.log" >&2 || true
  kh_fail "the guest reported $(kh_guest_errors) error(s)"
}
marker=$(kh_count ".text == \"pkg:$KH_TAG the DKMS-built ncxdp_tx sends\" and .format == \"extended\" and .release == \"$KH_ABI\" and .src == \"$KH_GUEST_V4:6665\"")
[[ "$marker" == 1 ]] || kh_fail "the marker arrived $marker times (expected once, extended, release $KH_ABI, from $KH_GUEST_V4:6665)"
kh_log "PASS ($SECONDS s)"
