// SPDX-License-Identifier: GPL-2.0
/*
 * The kmsg dumper of ncxdp_tx: on panic or oops, every record still in the log ring is sent
 * again to every enabled extended target, so a receiver that missed messages (it started late,
 * packets were lost, the console loglevel filtered them) still gets the full context of the
 * crash. Each replayed message carries the extra header field "ncxdp_dump=<n>" (see
 * wire_format.h); receivers that do not know it ignore it, as /dev/kmsg's format asks. Plain
 * targets get no replay: their format has no header to mark replayed lines with.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kmsg_dump.h>
#include <linux/module.h>
#include <linux/version.h>

#include "ncxdp_tx.h"

static bool dump = true;
module_param(dump, bool, 0644);
MODULE_PARM_DESC(dump,
		 "On panic or oops, send the whole log ring, marked ncxdp_dump=<n> (default 1)");

static unsigned int dump_drain_ms = 200;
module_param(dump_drain_ms, uint, 0644);
MODULE_PARM_DESC(dump_drain_ms, "After a panic's dump, let the NICs send what they hold this "
				"long before the kernel reboots (default 200)");

/* One dump at a time: a second CPU oopsing meanwhile skips its dump rather than wait. */
static atomic_t ncx_dumping = ATOMIC_INIT(0);
static u64 ncx_dump_count;
/* Static: a dump cannot allocate. Guarded by ncx_dumping. */
static char ncx_dump_line[NCX_EXT_MSG_MAX];
static char ncx_dump_msg[NCX_EXT_MSG_MAX];

/*
 * The target list lock, waiting at most about a second: at panic the other CPUs are stopped,
 * and one may have been stopped while holding it. Then the dump is skipped rather than hang.
 */
static bool lock_targets_bounded(void)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (spin_trylock(&ncx_targets_lock))
			return true;
		mdelay(1);
	}
	return false;
}

/*
 * A panic reboots right after the dumpers return (panic=-1), and a NIC still holding datagrams
 * in its transmit ring then loses them: a virtio ring holds 256, the tail of the dump. Keep
 * reclaiming completed buffers the way netpoll does, giving the device time to send. There is
 * no generic way to see that a ring is empty, so this waits dump_drain_ms.
 */
static void ncx_drain(void)
{
	struct ncx_target *nt;
	unsigned long flags;
	unsigned int i;

	local_irq_save(flags);
	if (!lock_targets_bounded()) {
		local_irq_restore(flags);
		return;
	}
	for (i = 0; i < READ_ONCE(dump_drain_ms) * 20; i++) {
		list_for_each_entry(nt, &ncx_targets, list)
			if (nt->enabled && nt->np.dev)
				netpoll_poll_dev(nt->np.dev);
		udelay(50);
	}
	spin_unlock(&ncx_targets_lock);
	local_irq_restore(flags);
}

static void ncx_dump_ring(enum kmsg_dump_reason reason)
{
	struct kmsg_dump_iter iter;
	struct ncx_target *nt;
	unsigned int records = 0, enabled = 0, sent_to = 0;
	unsigned long flags;
	size_t len;
	u64 dump_id = 0;

	if (!READ_ONCE(dump) || atomic_cmpxchg(&ncx_dumping, 0, 1))
		return;

	local_irq_save(flags);
	if (!lock_targets_bounded()) {
		local_irq_restore(flags);
		atomic_set(&ncx_dumping, 0);
		pr_emerg("dump skipped: target list lock held elsewhere\n");
		return;
	}
	list_for_each_entry(nt, &ncx_targets, list) {
		nt->dump_records = 0;
		if (nt->extended && nt->enabled)
			enabled++;
	}
	if (!enabled)
		goto out_unlock;

	dump_id = ++ncx_dump_count;
	WRITE_ONCE(ncx_tx_stuck, false);
	WRITE_ONCE(ncx_dump_cpu, smp_processor_id());
	kmsg_dump_rewind(&iter);
	while (kmsg_dump_get_line(&iter, true, ncx_dump_line, sizeof(ncx_dump_line), &len)) {
		/* kmsg_dump_get_line() leaves cur_seq one past the record it returned. */
		u64 seq = iter.cur_seq - 1;
		size_t n = ncx_dump_line_to_ext(ncx_dump_line, len, seq, dump_id, ncx_dump_msg,
						sizeof(ncx_dump_msg));

		bool handed = false;

		if (!n)
			continue;
		list_for_each_entry(nt, &ncx_targets, list)
			if (nt->extended && ncx_target_ready(nt)) {
				ncx_send_extended(nt, ncx_dump_msg, n);
				nt->dump_records++;
				handed = true;
			}
		/* Count what went to a device, not what the ring held: a target whose device
		 * is down sends nothing, and the report must not claim otherwise. */
		if (handed)
			records++;
	}
	list_for_each_entry(nt, &ncx_targets, list)
		if (nt->dump_records)
			sent_to++;
	WRITE_ONCE(ncx_dump_cpu, -1);
out_unlock:
	spin_unlock(&ncx_targets_lock);
	local_irq_restore(flags);
	if (enabled) {
		/* After the dump, so this line goes out live and tells the receiver it is complete;
		 * printk sends it to the consoles before it returns, then both can drain. Counts
		 * are of records and targets handed to a device; targets whose device was down are
		 * named apart (in the local log, since they cannot receive it). */
		if (enabled > sent_to)
			pr_emerg("dump %llu (%s): %u records sent to %u targets, %u targets down\n",
				 dump_id, kmsg_dump_reason_str(reason), records, sent_to,
				 enabled - sent_to);
		else
			pr_emerg("dump %llu (%s): %u records sent to %u targets\n", dump_id,
				 kmsg_dump_reason_str(reason), records, sent_to);
		/* After an oops the machine runs on and interrupts drain the NIC. */
		if (reason == KMSG_DUMP_PANIC)
			ncx_drain();
	}
	atomic_set(&ncx_dumping, 0);
}

/* The dumper callback took a detail struct instead of the bare reason in 6.11. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static void ncx_dump_callback(struct kmsg_dumper *dumper, struct kmsg_dump_detail *detail)
{
	ncx_dump_ring(detail->reason);
}
#else
static void ncx_dump_callback(struct kmsg_dumper *dumper, enum kmsg_dump_reason reason)
{
	ncx_dump_ring(reason);
}
#endif

static struct kmsg_dumper ncx_dumper = {
	.dump = ncx_dump_callback,
	/* Panic and oops only: not on reboot, halt or power off. */
	.max_reason = KMSG_DUMP_OOPS,
};

int ncx_dump_init(void)
{
	return kmsg_dump_register(&ncx_dumper);
}

void ncx_dump_exit(void)
{
	kmsg_dump_unregister(&ncx_dumper);
}
