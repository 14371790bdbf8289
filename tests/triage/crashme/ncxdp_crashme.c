// SPDX-License-Identifier: GPL-2.0
/*
 * ncxdp_crashme: makes a test kernel print the reports `ncxdp triage` must recognise, for real:
 * WARNING, kernel BUG, NULL pointer dereference, page fault, general protection fault, soft
 * lockup, RCU stall, hung task and panic. Only ever loaded in a throw-away qemu guest by
 * tests/triage/make-fixtures.sh; never on a machine anyone cares about.
 *
 * One write to /proc/ncxdp_crashme names one action:
 *
 *	echo warn_a > /proc/ncxdp_crashme	WARN_ON() in crashme_warn_a()
 *	echo warn_b > /proc/ncxdp_crashme	WARN() with a message in crashme_warn_b()
 *	echo bug > /proc/ncxdp_crashme		BUG() in crashme_bug()
 *	echo null > /proc/ncxdp_crashme		read through a NULL pointer in crashme_null()
 *	echo fault > /proc/ncxdp_crashme	read a vfree()d (unmapped) page in crashme_fault()
 *	echo gpf > /proc/ncxdp_crashme		read a non-canonical address in crashme_gpf()
 *	echo spin <s> > /proc/ncxdp_crashme	spin <s> seconds with preemption off (soft lockup,
 *						RCU stall, depending on the watchdog settings)
 *	echo sleep <s> > /proc/ncxdp_crashme	sleep <s> seconds uninterruptibly (hung task)
 *	echo panic > /proc/ncxdp_crashme	panic() from crashme_panic()
 *
 * Every action lives in its own noinline function so that each report has a distinct top frame,
 * as distinct bugs do in the field. Oopses kill the writing process; the guest carries on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#define CRASHME_MAX_SECONDS 60

/* Read through volatile pointers so the compiler cannot drop or hoist the faulting load. */
static int crashme_sink;

static noinline void crashme_warn_a(void)
{
	WARN_ON(crashme_sink == 0);
}

static noinline void crashme_warn_b(int n)
{
	WARN(1, "ncxdp_crashme: second warning site, n=%d\n", n);
}

static noinline void crashme_bug(void)
{
	BUG_ON(crashme_sink == 0);
}

static noinline void crashme_null(void)
{
	int *volatile p = NULL;

	crashme_sink = *p;
}

static noinline void crashme_fault(void)
{
	int *volatile p = vmalloc(PAGE_SIZE);

	if (!p)
		return;
	/* vfree() unmaps the page table entries at once; the read below then faults. */
	vfree(p);
	crashme_sink = *p;
}

static noinline void crashme_gpf(void)
{
	int *volatile p = (int *)0xdead000000000100UL;

	crashme_sink = *p;
}

static noinline void crashme_spin(unsigned int seconds)
{
	unsigned int ms;

	rcu_read_lock();
	preempt_disable();
	for (ms = 0; ms < seconds * 1000; ms++)
		mdelay(1);
	preempt_enable();
	rcu_read_unlock();
}

static noinline void crashme_sleep(unsigned int seconds)
{
	msleep(seconds * 1000);
}

static noinline void crashme_panic(void)
{
	panic("ncxdp_crashme: panic requested by the test");
}

static ssize_t crashme_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char buf[32];
	unsigned int seconds = 0;
	size_t len = min(count, sizeof(buf) - 1);
	char *arg;

	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);
	arg = strchr(buf, ' ');
	if (arg) {
		*arg++ = '\0';
		if (kstrtouint(arg, 10, &seconds) || seconds == 0 || seconds > CRASHME_MAX_SECONDS)
			return -EINVAL;
	}

	pr_info("action %s\n", buf);
	if (!strcmp(buf, "warn_a"))
		crashme_warn_a();
	else if (!strcmp(buf, "warn_b"))
		crashme_warn_b((int)count);
	else if (!strcmp(buf, "bug"))
		crashme_bug();
	else if (!strcmp(buf, "null"))
		crashme_null();
	else if (!strcmp(buf, "fault"))
		crashme_fault();
	else if (!strcmp(buf, "gpf"))
		crashme_gpf();
	else if (!strcmp(buf, "spin") && seconds)
		crashme_spin(seconds);
	else if (!strcmp(buf, "sleep") && seconds)
		crashme_sleep(seconds);
	else if (!strcmp(buf, "panic"))
		crashme_panic();
	else
		return -EINVAL;
	return count;
}

static const struct proc_ops crashme_ops = {
	.proc_write = crashme_write,
	.proc_lseek = noop_llseek,
};

static struct proc_dir_entry *crashme_entry;

static int __init crashme_init(void)
{
	crashme_entry = proc_create("ncxdp_crashme", 0200, NULL, &crashme_ops);
	if (!crashme_entry)
		return -ENOMEM;
	pr_info("ready: write an action to /proc/ncxdp_crashme\n");
	return 0;
}

static void __exit crashme_exit(void)
{
	proc_remove(crashme_entry);
}

module_init(crashme_init);
module_exit(crashme_exit);
MODULE_DESCRIPTION("Triggers kernel reports for ncxdp triage fixtures (test guests only)");
MODULE_LICENSE("GPL");
