// SPDX-License-Identifier: GPL-2.0
/*
 * Test hooks of ncxdp_tx, built only with `make NCXDP_TX_TEST_HOOKS=y` (tests/kernel does so),
 * never into the module that kmod/build.sh, `make kmod` or the DKMS package build.
 *
 * test_panic_locked (write-only parameter): writing anything makes another CPU take
 * ncx_targets_lock and keep it for good, with interrupts off, as a CPU inside a console write
 * does; then this CPU panics. The panic's stop IPI cannot reach the holder, so smp_send_stop()
 * stops it with an NMI after its one-second wait, the lock still held: the case
 * ncx_panic_takeover() (tx_dump.c) is for. The guest must still dump and reboot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/smp.h>

#include "ncxdp_tx.h"

static atomic_t ncx_test_holding = ATOMIC_INIT(0);

/* Runs as an IPI on the other CPU: interrupts are off, and stay off until the CPU is stopped. */
static void ncx_test_hold_lock(void *unused)
{
	spin_lock(&ncx_targets_lock);
	atomic_set(&ncx_test_holding, 1);
	for (;;)
		cpu_relax();
}

static int ncx_test_panic_locked_set(const char *val, const struct kernel_param *kp)
{
	int self, other, i;

	/* Stay on this CPU: the other one will not run anything else again. */
	preempt_disable();
	self = smp_processor_id();
	other = cpumask_any_but(cpu_online_mask, self);
	if (other >= nr_cpu_ids) {
		preempt_enable();
		pr_err("test_panic_locked needs a second CPU\n");
		return -ENODEV;
	}
	smp_call_function_single(other, ncx_test_hold_lock, NULL, 0);
	/* No printk from here on: a console write would spin on the held lock (no oops yet). */
	for (i = 0; i < 10000 && !atomic_read(&ncx_test_holding); i++)
		udelay(100);
	panic("ncxdp_tx test: CPU %d holds the targets lock (%s)", other,
	      atomic_read(&ncx_test_holding) ? "held" : "not taken within 1 s");
}

static const struct kernel_param_ops ncx_test_panic_locked_ops = {
	.set = ncx_test_panic_locked_set,
};
module_param_cb(test_panic_locked, &ncx_test_panic_locked_ops, NULL, 0200);
MODULE_PARM_DESC(test_panic_locked, "Test hook: panic while another CPU holds the targets lock");
