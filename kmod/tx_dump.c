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
 * The target list lock, waiting at most about a second. At panic a CPU stopped while holding it
 * has been dealt with already (ncx_panic_takeover()); this bound is for the rest: an oops while
 * another CPU holds it, or a panic whose CPU stop failed. Then the dump is skipped rather than
 * hang.
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

/*
 * A panic must still reach the receivers when a CPU was stopped while holding ncx_targets_lock
 * (it was in a console write, or the notifier, when smp_send_stop() halted it: after a second
 * x86 stops the CPUs that do not answer the stop IPI with an NMI, wherever they are). That CPU
 * will never release the lock, so waiting for it only loses the dump, and with it every console
 * write after it (they try the lock once under oops_in_progress and skip). Once every other CPU
 * is offline (stopped CPUs mark themselves so; panic() runs the dumpers after smp_send_stop()),
 * this CPU is the only one left and the panic never returns, so the holder can never touch the
 * targets again: the lock is re-initialised and the dump proceeds, as serial drivers ignore
 * their port lock under oops_in_progress and netconsole relies on netpoll's trylocks. What the
 * holder was doing is left half done, and that is safe here:
 * - the target list is only walked forwards: list_add_tail() and list_del() update ->next so
 *   that a forward walk sees a consistent list at every step, and a target being removed is
 *   freed only after the lock is dropped, which now never happens;
 * - a half-built payload in nt->buf is rebuilt from scratch by the next send; a half-copied
 *   userdata block is bounded by its length and at worst mixes old and new text;
 * - netpoll's own locks (the TX queue lock, the poll lock) are only ever tried by netpoll,
 *   which then gives up or queues: a datagram may be lost, nothing spins.
 * If another CPU is still online (the stop failed), it may still release the lock, so the
 * bounded wait below stays the rule and the dump is skipped rather than race a live CPU.
 * Busting it also on the CPU that panicked inside our own write path or dump is the same case:
 * panic() does not return to the interrupted frame.
 */
static void ncx_panic_takeover(void)
{
	if (num_online_cpus() > 1)
		return;
	/* An oops dump a stopped CPU was running never finishes either. */
	atomic_set(&ncx_dumping, 0);
	WRITE_ONCE(ncx_dump_cpu, -1);
	if (!spin_is_locked(&ncx_targets_lock))
		return;
	spin_lock_init(&ncx_targets_lock);
	/* Goes out live right away: console writes take the fresh lock. */
	pr_emerg("panic: the targets lock was held by a stopped CPU; taken over\n");
}

static void ncx_dump_ring(enum kmsg_dump_reason reason)
{
	struct kmsg_dump_iter iter;
	struct ncx_target *nt;
	unsigned int records = 0, enabled = 0, sent_to = 0;
	unsigned long flags;
	size_t len;
	u64 dump_id = 0;

	/* Even with dump=0: console writes after the dumpers (console_flush_on_panic) need it. */
	if (reason == KMSG_DUMP_PANIC)
		ncx_panic_takeover();
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
