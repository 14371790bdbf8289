# Guest side of kmod_test.sh (busybox sh, sourced by the harness's /init after guest-lib.sh): the
# ncxdp_tx module loaded by insmod with a bad targets= string, then by modprobe with the targets
# of the kernel command line, then configured through configfs, checked attribute by attribute,
# refusal by refusal; markers; an oops and a forced panic, whose kmsg dumps the host must receive.
# Every failed check is a kh_error, counted in the last marker before the panic.
# Guest variables: the harness's, plus KMOD_BAD_TARGETS, KMOD_TARGETS, KMOD_GUEST_MAC.
# shellcheck shell=sh

T=/sys/kernel/config/ncxdp_tx
KO=/kh/extra/ncxdp_tx.ko

# expect_eq FILE VALUE: FILE reads VALUE.
expect_eq() {
	_got=$(cat "$1" 2>&1)
	[ "$_got" = "$2" ] || kh_error "$1 reads '$_got', expected '$2'"
}

# refused FILE VALUE REASON: the write must fail with REASON (an extended regular expression
# matched against the shell's strerror text). Not
# guest-lib's kh_write_refused: busybox's printf reports no error message for a failed write, its
# echo does ("sh: write error: Invalid argument").
refused() {
	if echo -n "$2" >"$1" 2>"$KH_RUN/last-err"; then
		kh_error "write '$2' to $1 succeeded, expected $3"
		return 1
	fi
	grep -qE "$3" "$KH_RUN/last-err" || kh_error "write '$2' to $1 failed with '$(cat "$KH_RUN/last-err")', expected $3"
}

# expect_mkdir_refused DIR REASON: mkdir must fail with REASON (the shell's strerror text).
expect_mkdir_refused() {
	if mkdir "$1" 2>"$KH_RUN/last-err"; then
		kh_error "mkdir $1 succeeded, expected $2"
		rmdir "$1"
		return 1
	fi
	grep -q "$2" "$KH_RUN/last-err" || kh_error "mkdir $1 failed with '$(cat "$KH_RUN/last-err")', expected $2"
}

# repeat CHAR N: CHAR N times.
repeat() {
	_s=""
	_i=0
	while [ $_i -lt "$2" ]; do
		_s="$_s$1"
		_i=$((_i + 1))
	done
	printf '%s' "$_s"
}

# --- 1. A targets= string with two bad targets: each refused with a log line naming the field
# and its column (the host checks the exact lines in the boot log the targets below replay); the
# good one loads, and shows in configfs as cmdline0.
if insmod "$KO" "targets=$KMOD_BAD_TARGETS" 2>"$KH_RUN/last-err"; then
	[ "$(dmesg | grep -c 'ncxdp_tx: targets= target')" = 2 ] ||
		kh_error "expected 2 targets= error lines, got: $(dmesg | grep 'ncxdp_tx: targets=')"
	mkdir $T/cmdline0 || kh_error "mkdir $T/cmdline0 failed"
	expect_eq $T/cmdline0/local_port 6603
	expect_eq $T/cmdline0/extended 0
	expect_eq $T/cmdline0/enabled 1
	[ -e $T/cmdline1 ] && kh_error "$T/cmdline1 exists before mkdir"
	rmdir $T/cmdline0 || kh_error "rmdir $T/cmdline0 failed"
	rmmod ncxdp_tx || kh_error "rmmod ncxdp_tx failed"
else
	kh_error "insmod with two bad targets and a good one failed: $(cat "$KH_RUN/last-err")"
fi

# --- 2. modprobe takes ncxdp_tx.targets= from the kernel command line, as at boot.
mkdir -p "/lib/modules/$KH_ABI"
cp "$KO" "/lib/modules/$KH_ABI/"
echo "ncxdp_tx.ko:" >"/lib/modules/$KH_ABI/modules.dep"
modprobe ncxdp_tx 2>"$KH_RUN/last-err" || kh_error "modprobe ncxdp_tx: $(cat "$KH_RUN/last-err")"
expect_eq /sys/module/ncxdp_tx/parameters/targets "$KMOD_TARGETS"

# --- 3. Boot targets in configfs: mkdir cmdline<N> shows them with their parameters.
mkdir $T/cmdline0 $T/cmdline1 $T/cmdline2 || kh_error "mkdir cmdline<N> failed"
# No local IP in the target: netpoll took the device's.
for kv in enabled=1 extended=1 release=1 dev_name=eth0 local_port=6611 remote_port=6666 \
	"local_ip=$KH_GUEST_V4" "remote_ip=$KH_HOST_V4" remote_mac=ff:ff:ff:ff:ff:ff \
	"local_mac=$KMOD_GUEST_MAC" transmit_errors=0; do
	expect_eq "$T/cmdline0/${kv%%=*}" "${kv#*=}"
done
expect_eq $T/cmdline1/extended 0
expect_eq $T/cmdline1/local_port 6612
for kv in extended=1 release=0 local_port=6613 "local_ip=$KH_GUEST_V6" "remote_ip=$KH_HOST_V6" \
	"remote_mac=$KH_HOST_MAC" "remote_mac_resolved=$KH_HOST_MAC"; do
	expect_eq "$T/cmdline2/${kv%%=*}" "${kv#*=}"
done
refused $T/cmdline0/remote_port 7000 "Invalid argument"
# Userdata and sysdata may change while a target sends.
kh_userdata $T/cmdline0 boot yes
kh_write $T/cmdline0/userdata/cpu_nr_enabled 1
kh_write $T/cmdline0/userdata/msgid_enabled 1

# --- 4. configfs targets.
kh_cfs_target ncxdp_tx t1 enabled=0 local_port=6621 "remote_ip=$KH_HOST_V4" remote_port=6667 \
	extended=1 release=1 "ud:host=guest-$KH_TAG" || exit 1
for f in cpu_nr taskname release msgid; do
	kh_write "$T/t1/userdata/${f}_enabled" 1
	expect_eq "$T/t1/userdata/${f}_enabled" 1
done
kh_write $T/t1/enabled 1
kh_cfs_target ncxdp_tx t2 enabled=0 local_port=6622 "local_ip=$KH_GUEST_V6" "remote_ip=$KH_HOST_V6" \
	remote_port=6667 "remote_mac=$KH_HOST_MAC" extended=1 || exit 1
for i in 1 2 3 4 5; do
	kh_userdata $T/t2 "k$i" "$(repeat "$i" 199)"
done
kh_write $T/t2/userdata/msgid_enabled 1
kh_write $T/t2/enabled 1
kh_cfs_target ncxdp_tx t3 local_port=6623 "remote_ip=$KH_HOST_V4" remote_port=6667 || exit 1
expect_eq $T/t2/remote_mac "$KH_HOST_MAC"
expect_eq $T/t2/local_ip "$KH_GUEST_V6"
expect_eq $T/t3/local_ip "$KH_GUEST_V4"

# What netconsole refuses, ncxdp_tx refuses: parameters of an enabled target...
for kv in extended=0 release=0 dev_name=eth1 local_port=7000 remote_port=7000 local_ip=10.0.0.9 \
	remote_ip=10.0.0.9 remote_mac=00:11:22:33:44:55; do
	refused "$T/t1/${kv%%=*}" "${kv#*=}" "Invalid argument"
done
expect_eq $T/t1/remote_port 6667
refused $T/t1/enabled 1 "Invalid argument"
# Read-only attributes: configfs refuses the open (6.12) or the write (6.1).
refused $T/t1/local_mac 00:11:22:33:44:55 "Permission denied|Invalid argument"
refused $T/t1/transmit_errors 0 "Permission denied|Invalid argument"

# ... bad values and inconsistent settings of a disabled one...
mkdir $T/t4 || kh_error "mkdir $T/t4 failed"
refused $T/t4/enabled 0 "Invalid argument"
refused $T/t4/remote_ip 10.213.0.300 "Invalid argument"
refused $T/t4/remote_mac 00:11:22 "Invalid argument"
refused $T/t4/local_port abc "Invalid argument"
# configfs ports go through the targets= parser (ncx_parse_port): no 0, no sign, no leading zero, no overflow.
for bad in 0 +5 00012 65536 -1; do
	refused $T/t4/local_port "$bad" "Invalid argument"
	refused $T/t4/remote_port "$bad" "Invalid argument"
done
kh_write $T/t4/remote_port 6667
expect_eq $T/t4/remote_port 6667
kh_write $T/t4/remote_ip "$KH_HOST_V4"
kh_write $T/t4/release 1
refused $T/t4/enabled 1 "Invalid argument"
kh_write $T/t4/release 0
kh_write $T/t4/local_ip "$KH_GUEST_V6"
refused $T/t4/enabled 1 "Invalid argument"
expect_eq $T/t4/enabled 0

# ... and the userdata limits: key <= 53 bytes, value < 200 bytes, 16 entries with sysdata.
key53=$(repeat k 53)
kh_userdata $T/t4 "$key53" v
expect_mkdir_refused "$T/t4/userdata/$(repeat k 54)" "File name too long"
kh_write "$T/t4/userdata/$key53/value" "$(repeat v 199)"
refused "$T/t4/userdata/$key53/value" "$(repeat v 200)" "Argument list too long"
refused "$T/t4/userdata/$key53/value" "$(repeat v 201)" "Message too long"
expect_eq "$T/t4/userdata/$key53/value" "$(repeat v 199)"
for i in 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	mkdir "$T/t4/userdata/e$i" || kh_error "mkdir userdata entry $i failed"
done
expect_mkdir_refused $T/t4/userdata/e17 "No space left on device"
refused $T/t4/userdata/cpu_nr_enabled 1 "No space left on device"
rmdir $T/t4/userdata/e16
kh_write $T/t4/userdata/cpu_nr_enabled 1
expect_mkdir_refused $T/t4/userdata/e16 "No space left on device"
kh_write $T/t4/userdata/cpu_nr_enabled 0
for d in $T/t4/userdata/*/; do rmdir "$d"; done
rmdir $T/t4 || kh_error "rmdir $T/t4 failed"

# --- 5. Markers, from user space and from the kernel (kh_printk, loaded by the harness).
for f in /kh/data/*.k; do
	cat "$f" >/dev/kmsg || kh_error "write of $f to /dev/kmsg failed"
done
for f in /kh/data/*.p; do
	cat "$f" >/proc/kh_printk || kh_error "write of $f to /proc/kh_printk failed"
done
kh_flush_consoles
expect_eq $T/t1/transmit_errors 0

# --- 5b. An extended target whose device is down (dummy0, set down after enabling): the dumps
# below hand it nothing, and their reports must say so ("..., 1 targets down"), not count it.
[ -d /sys/class/net/dummy0 ] || insmod /kh/modules/dummy.ko || kh_error "insmod dummy"
ip link set dummy0 up && ip addr add 10.213.9.1/24 dev dummy0 || kh_error "dummy0 up"
kh_cfs_target ncxdp_tx t5 enabled=0 dev_name=dummy0 remote_ip=10.213.9.2 extended=1 || exit 1
kh_write $T/t5/userdata/msgid_enabled 1
kh_write $T/t5/enabled 1
ip link set dummy0 down || kh_error "dummy0 down"

# --- 6. An oops (BUG() in kh_oops): the dumper replays the log ring as dump 1, the guest runs
# on. Written from a child process, which the oops kills; the shell survives.
kh_insmod kh_oops || exit 1
sh -c 'echo 1 >/proc/kh_oops'
dmesg | grep -q 'kernel BUG at' || kh_error "writing /proc/kh_oops did not oops"

# --- 7. The guest's verdict, then a panic: the dumper replays the log ring again, as dump 2.
kh_kmsg "kh:PANIC:$KH_TAG errors=$(kh_errors)"
echo c >/proc/sysrq-trigger
kh_error "still alive after sysrq c"
