// SPDX-License-Identifier: GPL-2.0
/*
 * kh_printk: prints exactly what the kernel tests tell it to, from kernel context.
 *
 * /dev/kmsg cannot do everything the tests need: its records come from facility 1 (user), a
 * write over about 992 bytes fails, it has no continuation lines and no device dictionary. This
 * module takes a script of print commands written to /proc/kh_printk and runs it in one go, so
 * the host decides every byte the guest prints and can compare what the receiver decoded
 * with what was sent.
 *
 * A write holds commands separated by NUL bytes and must end with a NUL (a write split in two
 * is refused rather than half executed). Each command is one letter, for P, p and D a level
 * digit, then the text:
 *
 *   P<level><text>   printk at <level>: "<text>\n"
 *   p<level><text>   printk at <level> without the newline: the record stays open for pr_cont
 *   C<text>          pr_cont("<text>")
 *   c<text>          pr_cont("<text>\n")
 *   D<level><text>   dev_printk at <level> on the platform device kh_printk: "<text>\n", with the
 *                    dictionary SUBSYSTEM=platform, DEVICE=+platform:kh_printk
 *   S                waits until every finished record has been written to every console
 *
 * Why S: printk hands its records to the consoles right away only when it gets the console lock;
 * when another task holds it (and is preempted), the records are printed later, by that task.
 * A test that reconfigures or removes a netconsole target right after printing could then find
 * the records going out after the change. Taking the lock (waiting for its holder) and releasing
 * it flushes everything pending. A record is finished when its newline is printed, or when the
 * next record starts: printk cuts the newline of a text at its length limit, and that record
 * stays open (invisible to consoles) until something else is printed.
 *
 * Records longer than the kernel's record limit (LOG_LINE_MAX) are truncated by printk itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/console.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/printk.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define KH_PRINTK_MAX_WRITE (16 * 1024)

static struct platform_device *kh_pdev;
static struct proc_dir_entry *kh_proc;

/* Runs one command; returns 0 or -EINVAL for an unknown command or a missing level. */
static int kh_run(const char *cmd)
{
	char level[3] = { KERN_SOH_ASCII, 0, 0 };
	char op = cmd[0];

	if (op == 'P' || op == 'p' || op == 'D') {
		if (cmd[1] < '0' || cmd[1] > '7')
			return -EINVAL;
		level[1] = cmd[1];
		cmd += 2;
	} else {
		cmd += 1;
	}
	/* The level goes in as an argument: printk parses it from the formatted text. */
	switch (op) {
	case 'P':
		printk("%s%s\n", level, cmd);
		return 0;
	case 'p':
		printk("%s%s", level, cmd);
		return 0;
	case 'C':
		pr_cont("%s", cmd);
		return 0;
	case 'c':
		pr_cont("%s\n", cmd);
		return 0;
	case 'D':
		dev_printk(level, &kh_pdev->dev, "%s\n", cmd);
		return 0;
	case 'S':
		console_lock();
		console_unlock();
		return 0;
	}
	return -EINVAL;
}

static ssize_t kh_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	char *buf, *cmd, *end;
	int err = 0;

	if (len == 0 || len > KH_PRINTK_MAX_WRITE)
		return -EINVAL;
	buf = memdup_user(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (buf[len - 1] != '\0') {
		err = -EINVAL;
		goto free_buf;
	}
	end = buf + len;
	for (cmd = buf; cmd < end; cmd += strlen(cmd) + 1) {
		err = kh_run(cmd);
		if (err) {
			pr_err("unknown command '%.8s'\n", cmd);
			goto free_buf;
		}
	}
free_buf:
	kfree(buf);
	return err ? err : len;
}

static const struct proc_ops kh_proc_ops = {
	.proc_write = kh_write,
	.proc_lseek = noop_llseek,
};

static int __init kh_init(void)
{
	kh_pdev = platform_device_register_simple("kh_printk", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(kh_pdev))
		return PTR_ERR(kh_pdev);
	kh_proc = proc_create("kh_printk", 0200, NULL, &kh_proc_ops);
	if (!kh_proc) {
		platform_device_unregister(kh_pdev);
		return -ENOMEM;
	}
	return 0;
}

static void __exit kh_exit(void)
{
	proc_remove(kh_proc);
	platform_device_unregister(kh_pdev);
}

module_init(kh_init);
module_exit(kh_exit);
MODULE_DESCRIPTION("Prints what the ncxdp kernel tests write to /proc/kh_printk");
MODULE_LICENSE("GPL");
