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
got=$(cat /sys/module/ncxdp_tx/parameters/targets 2>/dev/null)
[ "$got" = "$PKG_TARGETS" ] || kh_error "targets from /etc/modprobe.d: '$got', expected '$PKG_TARGETS'"
kh_kmsg "pkg:$KH_TAG the DKMS-built ncxdp_tx sends"
