// SPDX-License-Identifier: GPL-2.0
/*
 * ncxdp_tx core: the targets, the two consoles (plain and extended) that printk writes to,
 * transmission with netpoll, the netdevice notifier and module init. Modelled on
 * drivers/net/netconsole.c, with 6.15+ features (userdata, sysdata, ncfrag of the whole
 * payload, release) on 6.1 and 6.12 and a kmsg dumper on top (tx_dump.c).
 *
 * Who owns a target (struct ncx_target), and when it is freed:
 * - Its memory belongs to the kref of its config_item (nt->group.cg_item), initialised for every
 *   target by ncx_target_alloc(), parameter targets included. It is freed only by the last
 *   config_item_put() (ncx_target_release -> ncx_target_free), never by a plain kfree.
 * - The creator holds the first reference: configfs for a mkdir'ed target (dropped by rmdir in
 *   ncx_drop_target), the module for a targets= one (dropped at unload by
 *   ncx_free_param_targets(), or handed to configfs when the user mkdirs cmdline<N>).
 * - Any path that uses a target after dropping ncx_targets_lock takes its own reference while
 *   still holding the lock (config_group_get) and drops it when done. The netdevice notifier
 *   does so around the netpoll release it must do without the spinlock; an rmdir that runs
 *   meanwhile unlinks the target and drops configfs's reference, and the memory stays until
 *   the notifier's put.
 * - A target's delayed work (next-hop MAC resolution, tx_neigh.c) never outlives it:
 *   ncx_target_free() cancels it synchronously before the kfree, and enable and disable cancel
 *   it too. The work takes no mutex of ours and rtnl only by trylock, so cancelling from any of
 *   those paths (the notifier's put runs under rtnl) cannot deadlock.
 * - Unload mirrors netconsole: dumper, consoles, configfs, then the parameter targets are
 *   disabled, the notifier is unregistered (which waits for a running notifier, under rtnl),
 *   and only then are the parameter targets freed: nothing else can reach them by then.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <linux/console.h>
#include <linux/delay.h>

#include "ncxdp_tx.h"

MODULE_DESCRIPTION("netconsole-compatible sender with userdata, sysdata and a crash dumper");
MODULE_LICENSE("GPL");

static char targets[NCX_MAX_PARAM_LEN];
module_param_string(targets, targets, sizeof(targets), 0444);
MODULE_PARM_DESC(targets,
		 " targets=[+][r][src-port]@[src-ip]/[<dev>],[tgt-port]@<tgt-ip>/[tgt-macaddr]"
		 "[;...] ('+' extended, 'r' release)");

static bool oops_only;
module_param(oops_only, bool, 0600);
MODULE_PARM_DESC(oops_only, "Only send messages while an oops is in progress");

LIST_HEAD(ncx_targets);
DEFINE_SPINLOCK(ncx_targets_lock);
DEFINE_MUTEX(ncx_config_mutex);
int ncx_dump_cpu = -1;

static struct console ncx_console_ext;
static struct console ncx_console;
/* Registered on first use (under ncx_config_mutex), as netconsole does; 6.1 has no
 * console_is_registered(). */
static bool ncx_console_ext_registered;
static bool ncx_console_registered;

struct ncx_target *ncx_target_alloc(const char *name)
{
	struct ncx_target *nt = kzalloc(sizeof(*nt), GFP_KERNEL);

	if (!nt)
		return NULL;
	INIT_LIST_HEAD(&nt->list);
	ncx_resolve_init(nt);
	ncx_configfs_init_target(nt, name);
	nt->np.name = KBUILD_MODNAME;
	strscpy(nt->np.dev_name, NCX_DEFAULT_DEV, IFNAMSIZ);
	nt->np.local_port = NCX_DEFAULT_LOCAL_PORT;
	nt->np.remote_port = NCX_DEFAULT_REMOTE_PORT;
	eth_broadcast_addr(nt->np.remote_mac);
	return nt;
}

void ncx_target_free(struct ncx_target *nt)
{
	ncx_resolve_stop(nt);
	kfree(nt);
}

void ncx_register_console_for(struct ncx_target *nt)
{
	lockdep_assert_held(&ncx_config_mutex);
	if (nt->extended && !ncx_console_ext_registered) {
		register_console(&ncx_console_ext);
		ncx_console_ext_registered = true;
	} else if (!nt->extended && !ncx_console_registered) {
		register_console(&ncx_console);
		ncx_console_registered = true;
	}
}

/* netpoll has no device lookup by MAC before 6.14; resolve it to a name here. */
static int ncx_resolve_dev_mac(struct ncx_target *nt)
{
	struct net_device *dev;
	int err = -ENODEV;

	rcu_read_lock();
	dev = dev_getbyhwaddr_rcu(&init_net, ARPHRD_ETHER, nt->dev_mac);
	if (dev) {
		strscpy(nt->np.dev_name, dev->name, IFNAMSIZ);
		err = 0;
	}
	rcu_read_unlock();
	if (err)
		pr_err("no network device has MAC %pM\n", nt->dev_mac);
	return err;
}

int ncx_target_enable(struct ncx_target *nt)
{
	unsigned long flags;
	int err;

	lockdep_assert_held(&ncx_config_mutex);
	if (nt->release && !nt->extended) {
		pr_err("not enabling %s: release needs the extended format\n",
		       config_item_name(&nt->group.cg_item) ?: "target");
		return -EINVAL;
	}
	if (nt->local_ip_set && nt->local_ipv6 != nt->remote_ipv6) {
		pr_err("not enabling %s: local_ip and remote_ip are of different families\n",
		       config_item_name(&nt->group.cg_item) ?: "target");
		return -EINVAL;
	}
	/* netpoll fills in the device's address when none is set; take a fresh one each time,
	 * of the family remote_ip has now. */
	if (!nt->local_ip_set)
		memset(&nt->np.local_ip, 0, sizeof(nt->np.local_ip));
	nt->np.ipv6 = nt->remote_ipv6;
	/* A retry left from an enable the netdevice notifier ended: start afresh. */
	ncx_resolve_stop(nt);
	if (!nt->remote_mac_set)
		eth_broadcast_addr(nt->np.remote_mac);
	if (nt->has_dev_mac) {
		err = ncx_resolve_dev_mac(nt);
		if (err)
			return err;
	}

	netpoll_print_options(&nt->np);
	err = netpoll_setup(&nt->np);
	if (err) {
		pr_err("netpoll setup on %s failed: %d\n", nt->np.dev_name, err);
		return err;
	}
	spin_lock_irqsave(&ncx_targets_lock, flags);
	nt->enabled = true;
	spin_unlock_irqrestore(&ncx_targets_lock, flags);
	/* Without remote_mac: the next hop's MAC, or broadcast until it is known. */
	ncx_resolve_start(nt);
	return 0;
}

void ncx_target_disable(struct ncx_target *nt)
{
	unsigned long flags;

	lockdep_assert_held(&ncx_config_mutex);
	ncx_resolve_stop(nt);
	/* Off first, so no console write uses np while netpoll_cleanup() tears it down. */
	spin_lock_irqsave(&ncx_targets_lock, flags);
	nt->enabled = false;
	if (!nt->remote_mac_set)
		eth_broadcast_addr(nt->np.remote_mac);
	spin_unlock_irqrestore(&ncx_targets_lock, flags);
	netpoll_cleanup(&nt->np);
}

bool ncx_target_ready(struct ncx_target *nt)
{
	if (!nt->enabled)
		return false;
	if (nt->np.dev && netif_running(nt->np.dev))
		return true;
	nt->transmit_errors++;
	return false;
}

/*
 * netpoll gives a datagram one jiffy to find room in a stopped TX queue, then parks it, and every
 * later one to keep their order, for a work item: with interrupts off for good, as in a panic,
 * that work never runs and the rest of the burst is lost. A crash dump is such a burst and
 * outruns a virtio TX ring easily. So in a crash, wait for room first, reclaiming sent buffers as
 * netpoll itself does, for up to NCX_TX_WAIT_US. A device that stays stuck that long is not
 * waited for again until the next dump, so a dead NIC delays a panic by one wait, not one per
 * datagram. Outside a crash interrupts come back between console writes and netpoll's own
 * jiffy is enough, as for netconsole.
 */
#define NCX_TX_WAIT_US 200000
#define NCX_TX_POLL_US 50

bool ncx_tx_stuck;

static void ncx_wait_tx_room(struct net_device *dev)
{
	unsigned int i, q;

	if (READ_ONCE(ncx_tx_stuck) ||
	    (!oops_in_progress && READ_ONCE(ncx_dump_cpu) != raw_smp_processor_id()))
		return;
	for (i = 0; i < NCX_TX_WAIT_US / NCX_TX_POLL_US; i++) {
		bool stopped = false;

		for (q = 0; q < dev->real_num_tx_queues && !stopped; q++)
			stopped = netif_xmit_stopped(netdev_get_tx_queue(dev, q));
		if (!stopped)
			return;
		netpoll_poll_dev(dev);
		udelay(NCX_TX_POLL_US);
	}
	WRITE_ONCE(ncx_tx_stuck, true);
}

static void ncx_emit(void *ctx, const char *data, size_t len)
{
	struct ncx_target *nt = ctx;

	ncx_wait_tx_room(nt->np.dev);
	netpoll_send_udp(&nt->np, data, (int)len);
}

void ncx_send_extended(struct ncx_target *nt, const char *msg, size_t len)
{
	struct ncx_ext_msg m = {
		.release = nt->release ? init_utsname()->release : NULL,
		.msg = msg,
		.msg_len = len,
		.userdata = nt->userdata,
		.userdata_len = nt->userdata_len,
		.sysdata = nt->sysdata,
	};

	if (nt->sysdata_fields) {
		/* msgid counts messages (not fragments) sent to this target, as netconsole's. */
		if (nt->sysdata_fields & NCX_SYSDATA_MSGID)
			nt->msgcounter++;
		m.sysdata_len =
			ncx_format_sysdata(nt->sysdata, sizeof(nt->sysdata), nt->sysdata_fields,
					   raw_smp_processor_id(), current->comm,
					   init_utsname()->release, nt->msgcounter);
	}
	if (ncx_emit_extended(&m, nt->buf, ncx_emit, nt))
		nt->transmit_errors++;
}

/* True when this console write must be skipped: see ncx_dump_cpu. */
static bool ncx_skip_write(void)
{
	if (oops_only && !oops_in_progress)
		return true;
	return READ_ONCE(ncx_dump_cpu) == raw_smp_processor_id();
}

/*
 * Console writes skipped because another CPU held ncx_targets_lock during an oops or panic
 * (read-only parameter locked_skips).
 */
static atomic_t ncx_locked_skips = ATOMIC_INIT(0);

static int ncx_get_locked_skips(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", (unsigned int)atomic_read(&ncx_locked_skips));
}

static const struct kernel_param_ops ncx_locked_skips_ops = {
	.get = ncx_get_locked_skips,
};
module_param_cb(locked_skips, &ncx_locked_skips_ops, NULL, 0444);
MODULE_PARM_DESC(locked_skips,
		 "Console writes skipped during an oops because the target lock was held");

/*
 * Takes ncx_targets_lock for a console write. In an oops or panic the holder may be a CPU that
 * smp_send_stop() stopped with the lock held, and console_flush_on_panic() would then spin here
 * for ever and the machine never reboot: as serial drivers do under oops_in_progress, try once
 * and skip the write (counted) instead.
 */
static bool ncx_lock_for_write(unsigned long *flags)
{
	if (!oops_in_progress) {
		spin_lock_irqsave(&ncx_targets_lock, *flags);
		return true;
	}
	local_irq_save(*flags);
	if (spin_trylock(&ncx_targets_lock))
		return true;
	local_irq_restore(*flags);
	atomic_inc(&ncx_locked_skips);
	return false;
}

static void ncx_write_ext(struct console *con, const char *msg, unsigned int len)
{
	struct ncx_target *nt;
	unsigned long flags;

	if (ncx_skip_write() || !ncx_lock_for_write(&flags))
		return;
	list_for_each_entry(nt, &ncx_targets, list)
		if (nt->extended && ncx_target_ready(nt))
			ncx_send_extended(nt, msg, len);
	spin_unlock_irqrestore(&ncx_targets_lock, flags);
}

static void ncx_write(struct console *con, const char *msg, unsigned int len)
{
	struct ncx_target *nt;
	unsigned long flags;

	if (ncx_skip_write() || !ncx_lock_for_write(&flags))
		return;
	/* Target by target, so one that hangs still leaves the others their messages. */
	list_for_each_entry(nt, &ncx_targets, list)
		if (!nt->extended && ncx_target_ready(nt))
			ncx_emit_plain(msg, len, ncx_emit, nt);
	spin_unlock_irqrestore(&ncx_targets_lock, flags);
}

static struct console ncx_console_ext = {
	.name = "ncxdp_ext",
	.flags = CON_ENABLED | CON_EXTENDED,
	.write = ncx_write_ext,
};

static struct console ncx_console = {
	.name = "ncxdp",
	.flags = CON_ENABLED,
	.write = ncx_write,
};

/* netpoll_cleanup() for a device that is going away; rtnl is held by the notifier. */
static void ncx_release_netpoll(struct netpoll *np)
{
	__netpoll_cleanup(np);
	netdev_put(np->dev, &np->dev_tracker);
	np->dev = NULL;
}

static int ncx_netdev_event(struct notifier_block *this, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct ncx_target *nt;
	unsigned long flags;
	bool stopped = false;

	if (event != NETDEV_CHANGENAME && event != NETDEV_UNREGISTER && event != NETDEV_RELEASE &&
	    event != NETDEV_JOIN)
		return NOTIFY_DONE;

restart:
	spin_lock_irqsave(&ncx_targets_lock, flags);
	list_for_each_entry(nt, &ncx_targets, list) {
		if (nt->np.dev != dev)
			continue;
		if (event == NETDEV_CHANGENAME) {
			strscpy(nt->np.dev_name, dev->name, IFNAMSIZ);
			continue;
		}
		nt->enabled = false;
		/*
		 * Our own reference before the spinlock goes (see the top of this file): an
		 * rmdir may unlink the target and drop configfs's reference meanwhile, seeing
		 * enabled already false. netpoll itself is ours alone: rtnl is held, and every
		 * other netpoll_cleanup() takes rtnl and finds np.dev NULL afterwards, as does
		 * the rescan.
		 */
		config_group_get(&nt->group);
		spin_unlock_irqrestore(&ncx_targets_lock, flags);
		ncx_release_netpoll(&nt->np);
		config_group_put(&nt->group);
		stopped = true;
		goto restart;
	}
	spin_unlock_irqrestore(&ncx_targets_lock, flags);

	if (stopped)
		pr_info("network logging stopped on interface %s as it %s\n", dev->name,
			event == NETDEV_UNREGISTER ? "unregistered" :
			event == NETDEV_RELEASE	   ? "released slaves" :
						     "is joining a master device");
	return NOTIFY_DONE;
}

static struct notifier_block ncx_netdev_notifier = {
	.notifier_call = ncx_netdev_event,
};

/* Applies a parsed target string to a fresh target. */
static void ncx_apply_config(struct ncx_target *nt, const struct ncx_target_config *cfg)
{
	nt->extended = cfg->extended;
	nt->release = cfg->release;
	nt->np.local_port = cfg->local_port;
	nt->np.remote_port = cfg->remote_port;
	memcpy(&nt->np.local_ip, cfg->local_ip.bytes, sizeof(nt->np.local_ip));
	memcpy(&nt->np.remote_ip, cfg->remote_ip.bytes, sizeof(nt->np.remote_ip));
	nt->local_ip_set = cfg->has_local_ip;
	nt->local_ipv6 = cfg->ipv6;
	nt->remote_ipv6 = cfg->ipv6;
	nt->np.ipv6 = cfg->ipv6;
	strscpy(nt->np.dev_name, cfg->dev_name, IFNAMSIZ);
	nt->has_dev_mac = cfg->has_dev_mac;
	memcpy(nt->dev_mac, cfg->dev_mac, ETH_ALEN);
	memcpy(nt->np.remote_mac, cfg->remote_mac, ETH_ALEN);
	nt->remote_mac_set = cfg->has_remote_mac;
}

/*
 * Creates the targets of the targets= parameter. A bad target is reported with the field, its
 * column in the parameter and why, then skipped: the others still log, and configfs still works.
 * A target whose netpoll setup fails stays in the list, disabled, so cmdline<N> can fix it.
 */
static void ncx_create_param_targets(void)
{
	const char *cursor = targets, *end = targets + strnlen(targets, sizeof(targets));
	const char *target;
	int index = 0, number = 0;
	char name[sizeof(NCX_CMDLINE_PREFIX) + 12];
	size_t len;

	if (cursor == end)
		return;
	while ((target = ncx_next_target(&cursor, end, &len))) {
		struct ncx_target_config cfg;
		struct ncx_parse_error perr;
		struct ncx_target *nt;

		number++;
		ncx_target_defaults(&cfg);
		if (ncx_parse_target(target, len, &cfg, &perr)) {
			pr_err("targets= target %d: bad %s \"%.*s\" at column %zu: %s; target skipped\n",
			       number, perr.field, (int)perr.len, target + perr.offset,
			       (size_t)(target - targets) + perr.offset + 1, perr.reason);
			continue;
		}
		snprintf(name, sizeof(name), "%s%d", NCX_CMDLINE_PREFIX, index);
		nt = ncx_target_alloc(name);
		if (!nt) {
			pr_err("targets= target %d: out of memory\n", number);
			continue;
		}
		ncx_apply_config(nt, &cfg);
		/* Replay the log ring to parameter targets, as netconsole does. */
		if (nt->extended)
			ncx_console_ext.flags |= CON_PRINTBUFFER;
		else
			ncx_console.flags |= CON_PRINTBUFFER;
		mutex_lock(&ncx_config_mutex);
		if (ncx_target_enable(nt))
			pr_err("not enabling %s%d: netpoll setup failed\n", NCX_CMDLINE_PREFIX,
			       index);
		list_add_tail(&nt->list, &ncx_targets);
		mutex_unlock(&ncx_config_mutex);
		index++;
	}
}

/*
 * Only parameter targets never attached to configfs are left at unload: configfs ones were
 * rmdir'ed before the module could be unloaded (they pin it).
 */
static void ncx_disable_param_targets(void)
{
	struct ncx_target *nt;

	mutex_lock(&ncx_config_mutex);
	list_for_each_entry(nt, &ncx_targets, list)
		if (nt->enabled)
			ncx_target_disable(nt);
	mutex_unlock(&ncx_config_mutex);
}

/* After the notifier is gone: nothing else can reach the list any more. */
static void ncx_free_param_targets(void)
{
	struct ncx_target *nt, *tmp;

	list_for_each_entry_safe(nt, tmp, &ncx_targets, list) {
		list_del(&nt->list);
		config_group_put(&nt->group);
	}
}

static int __init ncx_init(void)
{
	struct ncx_target *nt;
	int err;

	ncx_create_param_targets();

	err = register_netdevice_notifier(&ncx_netdev_notifier);
	if (err)
		goto free_targets;
	err = ncx_configfs_init();
	if (err)
		goto unregister_notifier;
	err = ncx_dump_init();
	if (err)
		goto exit_configfs;

	/* Last, so the log ring replay (CON_PRINTBUFFER) finds every target in place. */
	mutex_lock(&ncx_config_mutex);
	list_for_each_entry(nt, &ncx_targets, list)
		ncx_register_console_for(nt);
	mutex_unlock(&ncx_config_mutex);
	pr_info("network logging started\n");
	return 0;

exit_configfs:
	ncx_configfs_exit();
unregister_notifier:
	ncx_disable_param_targets();
	unregister_netdevice_notifier(&ncx_netdev_notifier);
	ncx_free_param_targets();
	return err;
free_targets:
	ncx_disable_param_targets();
	ncx_free_param_targets();
	return err;
}

static void __exit ncx_exit(void)
{
	ncx_dump_exit();
	if (ncx_console_ext_registered)
		unregister_console(&ncx_console_ext);
	if (ncx_console_registered)
		unregister_console(&ncx_console);
	ncx_configfs_exit();
	/* Disabled before the notifier goes: unregistering it replays NETDEV_UNREGISTER for
	 * every device, which would report each target as stopped by its interface going away.
	 * Freed only after it is gone, so no notifier can still be using one (netconsole's
	 * order). */
	ncx_disable_param_targets();
	unregister_netdevice_notifier(&ncx_netdev_notifier);
	ncx_free_param_targets();
}

module_init(ncx_init);
module_exit(ncx_exit);
