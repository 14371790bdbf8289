// SPDX-License-Identifier: GPL-2.0
/*
 * kh_oops: an oops on demand, for the crash-dump test of ncxdp_tx (tests/kernel/kmod_test.sh).
 *
 * Writing to /proc/kh_oops hits BUG(): the kernel oopses in the writer's process context, kills
 * the writer, calls the kmsg dumpers with KMSG_DUMP_OOPS and, without panic_on_oops, runs on.
 * The write path holds no lock, so nothing stays locked behind the killed task.
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/proc_fs.h>

static struct proc_dir_entry *kh_proc;

static ssize_t kh_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	BUG();
	return len;
}

static const struct proc_ops kh_proc_ops = {
	.proc_write = kh_write,
	.proc_lseek = noop_llseek,
};

static int __init kh_init(void)
{
	kh_proc = proc_create("kh_oops", 0200, NULL, &kh_proc_ops);
	return kh_proc ? 0 : -ENOMEM;
}

static void __exit kh_exit(void)
{
	proc_remove(kh_proc);
}

module_init(kh_init);
module_exit(kh_exit);
MODULE_DESCRIPTION("Oopses when /proc/kh_oops is written, for the ncxdp kernel tests");
MODULE_LICENSE("GPL");
