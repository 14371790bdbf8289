# Guest side of kmod_smp_test.sh (busybox sh, sourced by the harness's /init after guest-lib.sh),
# on a 2-CPU guest: targets without remote_mac resolve their next hop's MAC (a targets= one over
# ARP, a configfs one over IPv6 neighbour discovery), one nobody answers falls back to broadcast
# and says so, a set MAC is kept; then a panic while the other CPU holds the targets lock (the
# module's test hook). Every failed check is a kh_error, counted in the last marker before it.
# Guest variables: the harness's, plus SMP_CAPTURE_PORT (the port the host captures frames on).
# shellcheck shell=sh

T=/sys/kernel/config/ncxdp_tx
BCAST=ff:ff:ff:ff:ff:ff

expect_eq() {
	_got=$(cat "$1" 2>&1)
	[ "$_got" = "$2" ] || kh_error "$1 reads '$_got', expected '$2'"
}

# wait_eq FILE VALUE: until FILE reads VALUE, 5 s at most; then it must.
wait_eq() {
	_i=0
	while [ "$(cat "$1" 2>/dev/null)" != "$2" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	expect_eq "$1" "$2"
}

# wait_log TEXT: until the kernel log has a line containing TEXT, 5 s at most; then it must.
wait_log() {
	_i=0
	while ! dmesg | grep -qF "$1" && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	dmesg | grep -qF "$1" || kh_error "no kernel log line '$1'"
}

_cpus=$(grep -c '^processor' /proc/cpuinfo)
[ "$_cpus" -ge 2 ] || kh_error "the guest has $_cpus CPU(s), this test needs 2"

# --- 1. A targets= target without a MAC, loaded before anything in the guest talked to the
# host: no neighbour entry yet, so enabling it starts ARP and the retry work applies the answer.
kh_insmod ncxdp_tx "targets=+6601@/eth0,$SMP_CAPTURE_PORT@$KH_HOST_V4/" resolve_ms=2000 || exit 1
mkdir $T/cmdline0 || kh_error "mkdir $T/cmdline0 failed"
wait_eq $T/cmdline0/remote_mac_resolved "$KH_HOST_MAC"
expect_eq $T/cmdline0/remote_mac $BCAST
wait_log "ncxdp_tx: cmdline0: sending to $KH_HOST_MAC, next hop $KH_HOST_V4 on eth0"

# --- 2. configfs, IPv6, extended, no MAC: neighbour discovery. It carries the markers and the
# dump to ncxdp. Disabled, it shows broadcast again; enabled again, the cached entry is used.
kh_cfs_target ncxdp_tx v6 local_port=6602 "remote_ip=$KH_HOST_V6" remote_port=6666 extended=1 || exit 1
wait_eq $T/v6/remote_mac_resolved "$KH_HOST_MAC"
kh_write $T/v6/enabled 0
expect_eq $T/v6/remote_mac_resolved $BCAST
kh_write $T/v6/enabled 1
wait_eq $T/v6/remote_mac_resolved "$KH_HOST_MAC"
wait_log "ncxdp_tx: v6: sending to $KH_HOST_MAC, next hop $KH_HOST_V6 on eth0"

# --- 3. Nobody has this address: after resolve_ms (2 s) the target broadcasts, and says so.
kh_cfs_target ncxdp_tx lost local_port=6603 remote_ip=10.213.0.77 remote_port=6670 || exit 1
# --- 4. A MAC the user set is sent to as is, never resolved.
kh_cfs_target ncxdp_tx fixed local_port=6604 "remote_ip=$KH_HOST_V4" remote_port=6671 \
	remote_mac=02:00:00:00:00:01 || exit 1
expect_eq $T/fixed/remote_mac_resolved 02:00:00:00:00:01
expect_eq $T/fixed/remote_mac 02:00:00:00:00:01
wait_log "ncxdp_tx: lost: no MAC address for 10.213.0.77 on eth0"
expect_eq $T/lost/remote_mac_resolved $BCAST
# Read-only: configfs refuses the open (6.12) or the write (6.1).
if echo $BCAST >$T/v6/remote_mac_resolved 2>/dev/null; then
	kh_error "remote_mac_resolved accepted a write"
fi

# --- 5. A marker on both resolved targets (the host checks cmdline0's frames for its MAC).
kh_kmsg "kh:UNICAST:$KH_TAG"
kh_flush_consoles

# --- 6. The verdict, then a panic while the other CPU holds the targets lock with interrupts
# off: the guest must still dump to both extended targets and reboot.
kh_kmsg "kh:PANIC:$KH_TAG errors=$(kh_errors)"
kh_flush_consoles
echo 1 >/sys/module/ncxdp_tx/parameters/test_panic_locked
kh_error "still alive after test_panic_locked"
