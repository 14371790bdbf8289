#!/usr/bin/env bash
# Writes the demo's traffic as an nc_send script ("SRC_ADDR SRC_PORT HEX_PAYLOAD" per datagram):
# a small fleet booting and then going wrong the way fleets do. Extended and plain targets, Debian
# 6.1 and 6.12 kernels, the same NULL-pointer oops on three hosts, a WARNING, a plain-text panic,
# a long message with userdata cut into ncfrag fragments (sent out of order), a plain line longer
# than one datagram, a lost datagram (a gap), and one IPv6 host.
set -euo pipefail
export LC_ALL=C

hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
# emit SRC PAYLOAD: one datagram from SRC, port 6665 (netconsole's default source port).
emit() { printf '%s 6665 %s\n' "$1" "$(hex "$2")"; }

declare -A seq
# ext SRC RELEASE LEVEL TEXT [DICT...]: one extended record (escaping backslashes and tabs as the
# kernel does), with the host's next seq.
ext() {
  local src=$1 rel=$2 level=$3 text=$4
  shift 4
  local s=${seq[$src]:-0}
  seq[$src]=$((s + 1))
  text=${text//\\/\\x5c}
  text=${text//$'\t'/\\x09}
  local payload="${rel:+$rel,}$level,$s,$((1000000 + s * 2113)),-;$text"$'\n'
  local kv
  for kv in "$@"; do payload+=" $kv"$'\n'; done
  emit "$src" "$payload"
}
# plain SRC TEXT: one plain printk line with a kernel timestamp.
plain() {
  local src=$1 text=$2
  local s=${seq[$src]:-0}
  seq[$src]=$((s + 1))
  emit "$src" "$(printf '[%5d.%06d] %s' $((s / 3 + 1)) $((s * 7919 % 1000000)) "$text")"$'\n'
}

R61=""                       # Debian 12's 6.1 kernel sends no release prefix
R612="6.12.117+deb12-amd64"  # 6.12 with the `r` flag

boot() {
  local src=$1 rel=$2
  ext "$src" "$rel" 6 "Linux version ${rel:-6.1.0-56-amd64} (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian"
  ext "$src" "$rel" 6 "Command line: BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro netconsole=+@/,6666@10.99.0.1/"
  ext "$src" "$rel" 6 "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex" "SUBSYSTEM=pci" \
    "DEVICE=+pci:0000:00:19.0"
  ext "$src" "$rel" 5 "netconsole: network logging started"
}

oops() {
  local src=$1 rel=$2 pid=$3
  local l
  while IFS= read -r l; do ext "$src" "$rel" 4 "$l"; done <<OOPS
BUG: kernel NULL pointer dereference, address: 0000000000000010
#PF: supervisor read access in kernel mode
#PF: error_code(0x0000) - not-present page
PGD 0 P4D 0
Oops: 0000 [#1] PREEMPT SMP NOPTI
CPU: 1 PID: $pid Comm: kworker/1:2 Tainted: G            E      ${rel:-6.1.0-56-amd64} #1  Debian
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
Workqueue: events nvme_reset_work [nvme]
RIP: 0010:nvme_pci_complete_rq+0x2c/0x90 [nvme]
Call Trace:
 <TASK>
 ? __die+0x23/0x70
 nvme_irq+0x13a/0x260 [nvme]
 __handle_irq_event_percpu+0x46/0x190
 handle_irq_event+0x34/0x80
 handle_edge_irq+0x8c/0x230
 __common_interrupt+0x42/0xa0
 common_interrupt+0x43/0xa0
 </TASK>
Modules linked in: nvme nvme_core t10_pi crc64_rocksoft crc_t10dif virtio_net net_failover
CR2: 0000000000000010
---[ end trace 0000000000000000 ]---
OOPS
  ext "$src" "$rel" 0 "Kernel panic - not syncing: Fatal exception in interrupt"
}

# 20 extended hosts boot; odd ones run 6.1, even ones 6.12.
for i in $(seq 11 30); do
  if ((i % 2)); then boot "10.99.0.$i" "$R61"; else boot "10.99.0.$i" "$R612"; fi
done
boot "fd00:99::21" "$R612"

# The same bug on three hosts of both releases.
oops 10.99.0.11 "$R61" 4711
oops 10.99.0.12 "$R612" 812
oops 10.99.0.13 "$R61" 97

# A WARNING with its call trace, userdata and sysdata as 6.12 sends them.
while IFS= read -r l; do
  ext 10.99.0.14 "$R612" 4 "$l" "rack=b12" "cpu=0" "taskname=kworker/0:1"
done <<'WARN'
------------[ cut here ]------------
WARNING: CPU: 0 PID: 23 at net/core/dev.c:3224 skb_warn_bad_offload+0x69/0x110
Call Trace:
 <TASK>
 __skb_gso_segment+0x11c/0x160
 validate_xmit_skb+0x2a9/0x340
 </TASK>
---[ end trace 0000000000000000 ]---
WARN

# A long message with userdata: one record, cut into ncfrag fragments sent in reverse order.
src=10.99.0.15
s=${seq[$src]}
seq[$src]=$((s + 1))
body="$(printf 'mlx5_core 0000:3b:00.0: firmware health report: %s' "$(printf 'syndrome=0x%04x ' $(seq 1 120))")"$'\n'" rack=b12"$'\n'" owner=storage-team"$'\n'
header="$R612,4,$s,$((1000000 + s * 2113)),-"
total=${#body}
frags=()
for ((off = 0; off < total; off += 900)); do
  frags+=("$header,ncfrag=$off/$total;${body:off:900}")
done
for ((k = ${#frags[@]} - 1; k >= 0; k--)); do emit "$src" "${frags[k]}"; done

# A datagram that never arrives: seq 4 of 10.99.0.16 is skipped, so a gap event appears.
seq[10.99.0.16]=$((${seq[10.99.0.16]} + 1))
ext 10.99.0.16 "$R612" 6 "systemd[1]: Started session-4.scope - Session 4 of User root."

# Plain targets: boot lines, a line longer than one datagram (split at 1000 bytes with no header),
# and a panic as plain text.
for i in 21 22 23; do
  plain "10.99.0.$i" "Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)"
  plain "10.99.0.$i" "netconsole: network logging started"
done
long=$(printf '[    2.000000] ACPI: \\_SB_.PCI0: %s' "$(printf 'dev%03d ' $(seq 1 180))")
emit 10.99.0.21 "${long:0:1000}"
emit 10.99.0.21 "${long:1000}"$'\n'
plain 10.99.0.22 "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"
plain 10.99.0.22 "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-56-amd64 #1  Debian 6.1.192-1"
