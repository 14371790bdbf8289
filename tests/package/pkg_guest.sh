# Guest side of package_test.sh (busybox sh, sourced by the harness's /init): the ncxdp_tx module
# that `dkms build` made from the ncxdp-tx-dkms package, installed where `dkms install` puts it,
# loaded by modprobe with the targets of the package's /etc/modprobe.d/ncxdp_tx.conf (its example
# line, pointed at the host). The final marker reaches the host only through this target.
# Guest variables: the harness's, plus PKG_TARGETS (what the conf file must give the module).
# shellcheck shell=sh

mkdir -p "/lib/modules/$KH_ABI/updates/dkms" /etc/modprobe.d
cp /kh/data/ncxdp_tx.ko "/lib/modules/$KH_ABI/updates/dkms/"
echo "updates/dkms/ncxdp_tx.ko:" >"/lib/modules/$KH_ABI/modules.dep"
cp /kh/data/ncxdp_tx.conf /etc/modprobe.d/ncxdp_tx.conf
if modprobe ncxdp_tx 2>"$KH_RUN/last-err"; then
	echo ncxdp_tx >>"$KH_RUN/modules"
else
	kh_error "modprobe ncxdp_tx: $(cat "$KH_RUN/last-err")"
fi
# A target from modprobe's options replays the whole log ring when it registers: hundreds of
# datagrams, more than the NIC's queue takes at once under emulation. netpoll parks the rest for a
# work item, and rmmod at poweroff would drop what is still parked (the final marker among them):
# wait until eth0 has sent nothing for a second (15 s at most).
kh_tx_idle() {
	_last=-1
	_still=0
	_i=0
	while [ $_still -lt 10 ] && [ $_i -lt 150 ]; do
		_now=$(cat /sys/class/net/eth0/statistics/tx_packets)
		if [ "$_now" = "$_last" ]; then _still=$((_still + 1)); else _still=0; fi
		_last=$_now
		sleep 0.1
		_i=$((_i + 1))
	done
	[ $_still -ge 10 ] || kh_error "eth0 still sending after 15 s ($_last packets)"
}
kh_tx_idle
got=$(cat /sys/module/ncxdp_tx/parameters/targets 2>/dev/null)
[ "$got" = "$PKG_TARGETS" ] || kh_error "targets from /etc/modprobe.d: '$got', expected '$PKG_TARGETS'"
kh_kmsg "pkg:$KH_TAG the DKMS-built ncxdp_tx sends"
kh_flush_consoles
kh_tx_idle
