# Helpers for the test script that runs inside the qemu guest (busybox sh, sourced by /init
# before the test script). The guest has: the kernel's modules in /kh/modules (load-order lists
# them, dependencies first), the test's own modules in /kh/extra, test data in /kh/data, and the
# host's settings in /kh/env (KH_TAG, KH_ABI, KH_GUEST_V4, KH_HOST_V4, KH_GUEST_V6, KH_HOST_V6,
# KH_HOST_MAC, KH_DEV, plus anything the test added).
#
# Every failure is counted in /kh/run/errors and announced on the kernel log as
# "kh:ERROR:<tag> ..."; the final marker carries the count, so the host sees guest-side failures
# in what ncxdp received, without reading the serial console.
# shellcheck shell=sh

KH_RUN=/kh/run

kh_log() { echo "kh: $*" >/dev/console; }

# kh_kmsg TEXT: one kernel log record from user space (facility 1, level 6 unless TEXT starts with <N>).
kh_kmsg() { printf '%s\n' "$1" >/dev/kmsg; }

kh_error() {
	echo x >>"$KH_RUN/errors"
	kh_log "ERROR: $*"
	printf '<3>kh:ERROR:%s %s\n' "$KH_TAG" "$*" >/dev/kmsg 2>/dev/null
}

kh_errors() { [ -f "$KH_RUN/errors" ] && wc -l <"$KH_RUN/errors" || echo 0; }

# kh_write FILE VALUE: writes VALUE (no newline added) into FILE; a refusal is an error.
kh_write() {
	if ! printf '%s' "$2" >"$1" 2>"$KH_RUN/last-err"; then
		kh_error "write '$2' to $1 failed: $(cat "$KH_RUN/last-err")"
		return 1
	fi
}

# kh_write_refused FILE VALUE REASON: the write must fail (REASON, e.g. "Invalid argument", is
# matched against the shell's message); succeeding is an error.
kh_write_refused() {
	if printf '%s' "$2" >"$1" 2>"$KH_RUN/last-err"; then
		kh_error "write '$2' to $1 succeeded, expected $3"
		return 1
	fi
	grep -q "$3" "$KH_RUN/last-err" || {
		kh_error "write '$2' to $1 failed with '$(cat "$KH_RUN/last-err")', expected $3"
		return 1
	}
}

# kh_insmod NAME [PARAM=VALUE]...: loads /kh/extra/NAME.ko, else /kh/modules/NAME.ko; it is
# removed again by kh_poweroff.
kh_insmod() {
	_name=$1
	shift
	# kh_setup loads it in every guest already.
	[ "$_name" = kh_printk ] && [ -d /sys/module/kh_printk ] && return 0
	_ko=/kh/extra/$_name.ko
	[ -f "$_ko" ] || _ko=/kh/modules/$_name.ko
	if ! insmod "$_ko" "$@" 2>"$KH_RUN/last-err"; then
		kh_error "insmod $_name $*: $(cat "$KH_RUN/last-err")"
		return 1
	fi
	echo "$_name" >>"$KH_RUN/modules"
}

# kh_cfs_target ROOT NAME [ATTR=VALUE]... [ud:KEY=VALUE]...: creates configfs target
# /sys/kernel/config/ROOT/NAME (ROOT is netconsole for the stock module), writes the attributes in
# the given order, the userdata entries, then enabled=1 unless an enabled= was given.
kh_cfs_target() {
	_dir=/sys/kernel/config/$1/$2
	shift 2
	if ! mkdir "$_dir" 2>"$KH_RUN/last-err"; then
		kh_error "mkdir $_dir: $(cat "$KH_RUN/last-err")"
		return 1
	fi
	echo "$_dir" >>"$KH_RUN/targets"
	_enable=1
	for _kv in "$@"; do
		case "$_kv" in
		ud:*)
			_kv=${_kv#ud:}
			kh_userdata "$_dir" "${_kv%%=*}" "${_kv#*=}" || return 1
			;;
		enabled=*) _enable=${_kv#enabled=} ;;
		*) kh_write "$_dir/${_kv%%=*}" "${_kv#*=}" || return 1 ;;
		esac
	done
	[ "$_enable" = 0 ] || kh_write "$_dir/enabled" 1
}

# kh_userdata TARGET_DIR KEY VALUE: creates (or updates) a userdata entry.
kh_userdata() {
	[ -d "$1/userdata/$2" ] || mkdir "$1/userdata/$2" 2>"$KH_RUN/last-err" || {
		kh_error "mkdir $1/userdata/$2: $(cat "$KH_RUN/last-err")"
		return 1
	}
	kh_write "$1/userdata/$2/value" "$3"
}

# Disables and removes every configfs target created by kh_cfs_target, newest first.
kh_cfs_remove_all() {
	[ -f "$KH_RUN/targets" ] || return 0
	for _dir in $(tac "$KH_RUN/targets"); do
		[ -d "$_dir" ] || continue
		[ "$(cat "$_dir/enabled")" = 0 ] || printf 0 >"$_dir/enabled"
		for _ud in "$_dir"/userdata/*; do
			[ -d "$_ud" ] && rmdir "$_ud"
		done
		rmdir "$_dir" || kh_log "could not remove $_dir"
	done
	: >"$KH_RUN/targets"
}

# kh_flush_consoles: returns once every finished record has been handed to every console
# (netconsole included). printk defers console output while another task holds the console lock,
# so without this a target changed right after a printk may miss it or send it in its new form.
# A record whose text hit printk's length limit lost its newline and stays open until the next
# record: print something short after such a line before flushing.
kh_flush_consoles() {
	printf 'S\000' >/proc/kh_printk 2>/dev/null || kh_error "console flush through /proc/kh_printk failed"
}

# The last record the test sends: "kh:DONE:<tag> errors=<n>". The host waits for it.
kh_done() {
	kh_kmsg "kh:DONE:$KH_TAG errors=$(kh_errors)"
	kh_flush_consoles
}

# Removes configfs targets (else netconsole keeps sending while the NIC goes away and floods the
# console with TX queue errors), unloads what kh_insmod loaded, newest first, and powers off.
kh_poweroff() {
	kh_flush_consoles
	kh_cfs_remove_all
	if [ -f "$KH_RUN/modules" ]; then
		for _m in $(tac "$KH_RUN/modules"); do
			rmmod "$_m" 2>/dev/null || kh_log "could not rmmod $_m"
		done
	fi
	kh_log "powering off"
	poweroff -f
}

# Boot: filesystems, the kernel's modules except netconsole (tests load it with their own
# parameters: the kernel command line does not reach a module loaded later), kh_printk (the test
# printer, always there: kh_flush_consoles needs it), the network.
kh_setup() {
	mkdir -p "$KH_RUN"
	for _m in $(cat /kh/modules/load-order); do
		[ "$_m" = netconsole ] && continue
		insmod "/kh/modules/$_m.ko" 2>"$KH_RUN/last-err" || kh_error "insmod $_m: $(cat "$KH_RUN/last-err")"
	done
	insmod /kh/extra/kh_printk.ko 2>"$KH_RUN/last-err" || kh_error "insmod kh_printk: $(cat "$KH_RUN/last-err")"
	mount -t configfs configfs /sys/kernel/config 2>/dev/null
	_i=0
	while [ ! -d "/sys/class/net/$KH_DEV" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	# No duplicate address detection: netpoll does not care, and the link has only the host on it.
	echo 0 >"/proc/sys/net/ipv6/conf/$KH_DEV/accept_dad"
	ip link set lo up
	ip link set "$KH_DEV" up
	ip addr add "$KH_GUEST_V4/24" dev "$KH_DEV"
	ip -6 addr add "$KH_GUEST_V6/64" dev "$KH_DEV"
	_i=0
	while [ "$(cat "/sys/class/net/$KH_DEV/carrier" 2>/dev/null)" != 1 ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(cat "/sys/class/net/$KH_DEV/carrier" 2>/dev/null)" = 1 ] || kh_error "$KH_DEV has no carrier"
}
