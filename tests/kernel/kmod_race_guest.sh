# Guest side of kmod_race_test.sh (busybox sh, sourced by the harness's /init). The races run on
# dummy0; a target to the host carries the final marker. The host checks the console for faults
# (the kernel runs with slub_debug=FZP, so a use-after-free reads poison and faults).
dummy_up() {
	[ -d /sys/class/net/dummy0 ] || insmod /kh/modules/dummy.ko || kh_error "insmod dummy"
	ip link set dummy0 up && ip addr add 10.99.0.1/24 dev dummy0 2>/dev/null
}
# 1. The device unregisters while the module unloads with an enabled parameter target on it.
i=0
while [ $i -lt "$RACE_UNLOADS" ]; do
	dummy_up
	insmod /kh/extra/ncxdp_tx.ko "targets=@/dummy0,@10.99.0.2/" || kh_error "unload $i: insmod"
	rmmod dummy &
	usleep $(((i * 1733) % 8000))
	rmmod ncxdp_tx || kh_error "unload $i: rmmod ncxdp_tx"
	wait
	i=$((i + 1))
done
kh_log "race: $i unregister/rmmod iterations"
kh_insmod ncxdp_tx
kh_cfs_target ncxdp_tx live extended=1 "remote_ip=$KH_HOST_V4" remote_port=6666 "remote_mac=$KH_HOST_MAC"
# Userdata that would inject dictionary lines is refused (EINVAL).
U=/sys/kernel/config/ncxdp_tx/live/userdata
for key in "a=b" "a b" "$(printf 'a\tb')"; do
	mkdir "$U/$key" 2>/dev/null && kh_error "userdata key '$key' accepted"
done
mkdir $U/k || kh_error "mkdir userdata k"
printf 'a\n SUBSYSTEM=spoof\nb\n' >$U/k/value 2>/dev/null && kh_error "userdata value with a newline accepted"
rmdir $U/k
# 2. The device unregisters while its enabled target is rmdir'ed, with a varying head start.
T=/sys/kernel/config/ncxdp_tx/race
i=0
while [ $i -lt "$RACE_ITERATIONS" ]; do
	dummy_up
	{ mkdir $T && echo dummy0 >$T/dev_name && echo 10.99.0.2 >$T/remote_ip && echo 1 >$T/enabled; } ||
		kh_error "rmdir $i: enabling the target on dummy0 failed"
	rmmod dummy &
	usleep $(((i * 397) % 5000))
	rmdir $T || kh_error "rmdir $i: rmdir failed"
	wait
	i=$((i + 1))
done
kh_log "race: $i unregister/rmdir iterations"
