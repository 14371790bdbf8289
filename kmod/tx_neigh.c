// SPDX-License-Identifier: GPL-2.0
/*
 * Unicast without arping: a target whose remote_mac was never set sends to the MAC address of
 * the next hop towards remote_ip through its device (remote_ip itself on the same link, else the
 * gateway's), taken from the neighbour table when the target is enabled. netconsole broadcasts
 * instead, which floods the whole L2 segment during a log storm and which no router forwards.
 *
 * The first attempt is made by the enable itself. If the neighbour entry is not valid yet, it
 * asks the kernel to resolve it (neigh_event_send: ARP or neighbour discovery) and a delayed work
 * looks again every NCX_RESOLVE_RETRY_MS until resolve_ms have passed. Until then, and if it
 * never resolves, the target broadcasts, and the fallback is logged naming the target. The MAC is
 * resolved once per enable: a gateway that changes its MAC needs the target disabled and enabled
 * again (or remote_mac set).
 *
 * Lifetime (the rule at the top of tx_core.c): the work belongs to the target. It is cancelled
 * synchronously when the target is enabled (a fresh start), disabled, and freed (the last
 * config_item_put, whichever path drops it). It never blocks on a lock any of those paths hold
 * while cancelling: it takes no mutex of ours, and rtnl only with rtnl_trylock (the netdevice
 * notifier, which may drop the last reference, runs under rtnl), retrying later when it is busy.
 * Under rtnl np.dev is either NULL or held by netpoll: the notifier and netpoll_cleanup() clear
 * it under rtnl, so the device cannot go away while the work looks at it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>
#include <net/dst.h>
#include <net/ip6_route.h>
#include <net/neighbour.h>
#include <net/route.h>

#include "ncxdp_tx.h"

static unsigned int resolve_ms = 3000;
module_param(resolve_ms, uint, 0644);
MODULE_PARM_DESC(resolve_ms,
		 "How long a target without remote_mac tries to resolve its next "
		 "hop's MAC before it broadcasts (0: broadcast at once, as netconsole)");

#define NCX_RESOLVE_RETRY_MS 100

static const char *nt_name(struct ncx_target *nt)
{
	return config_item_name(&nt->group.cg_item) ?: "target";
}

/*
 * One look at the neighbour table; rtnl held, nt->np.dev set. Returns 1 with @mac filled, 0 when
 * the entry is not valid yet (resolution was started), or -errno when there is no route to
 * remote_ip through the device. Fills nt->resolve_nh with the next hop when one was found.
 */
static int ncx_neigh_try(struct ncx_target *nt, u8 *mac)
{
	struct net_device *dev = nt->np.dev;
	struct dst_entry *dst;
	struct neighbour *n;
	int ret;

	ASSERT_RTNL();
	if (nt->np.ipv6) {
#if IS_ENABLED(CONFIG_IPV6)
		struct flowi6 fl6 = {
			.flowi6_oif = dev->ifindex,
			.daddr = nt->np.remote_ip.in6,
		};

		dst = ip6_route_output(dev_net(dev), NULL, &fl6);
		if (dst->error) {
			ret = dst->error;
			dst_release(dst);
			return ret;
		}
#else
		return -EAFNOSUPPORT;
#endif
	} else {
		struct flowi4 fl4 = {
			.flowi4_oif = dev->ifindex,
			.daddr = nt->np.remote_ip.ip,
		};
		struct rtable *rt = ip_route_output_key(dev_net(dev), &fl4);

		if (IS_ERR(rt))
			return PTR_ERR(rt);
		dst = &rt->dst;
	}
	/* netpoll sends on its device whatever the routes say: only a next hop there will do. */
	if (dst->dev != dev) {
		dst_release(dst);
		return -ENETUNREACH;
	}
	/* The dst's own lookup picks the next hop (gateway or remote_ip) and creates the
	 * neighbour entry when there is none, as the IP output path does. */
	n = dst_neigh_lookup(dst, &nt->np.remote_ip);
	dst_release(dst);
	if (!n)
		return -ENOMEM;
	memset(&nt->resolve_nh, 0, sizeof(nt->resolve_nh));
	memcpy(&nt->resolve_nh, n->primary_key,
	       min_t(unsigned int, n->tbl->key_len, sizeof(nt->resolve_nh)));
	if (READ_ONCE(n->nud_state) & NUD_VALID) {
		neigh_ha_snapshot(mac, n, dev);
		ret = 1;
	} else {
		/* Starts ARP / neighbour discovery (or restarts it after a failure). */
		neigh_event_send(n, NULL);
		ret = 0;
	}
	neigh_release(n);
	return ret;
}

/* Applies a resolved MAC, or reports the fallback to broadcast. Not under the spinlock. */
static void ncx_resolve_done(struct ncx_target *nt, int ret, const u8 *mac, const char *dev_name)
{
	unsigned long flags;

	if (ret == 1) {
		spin_lock_irqsave(&ncx_targets_lock, flags);
		memcpy(nt->np.remote_mac, mac, ETH_ALEN);
		spin_unlock_irqrestore(&ncx_targets_lock, flags);
		if (nt->np.ipv6)
			pr_info("%s: sending to %pM, next hop %pI6c on %s\n", nt_name(nt), mac,
				&nt->resolve_nh.in6, dev_name);
		else
			pr_info("%s: sending to %pM, next hop %pI4 on %s\n", nt_name(nt), mac,
				&nt->resolve_nh.ip, dev_name);
		return;
	}
	if (ret == 0)
		ret = -ETIMEDOUT;
	if (nt->np.ipv6)
		pr_warn("%s: no MAC address for %pI6c on %s (error %d): sending to broadcast; set "
			"remote_mac to send unicast\n",
			nt_name(nt), &nt->np.remote_ip.in6, dev_name, ret);
	else
		pr_warn("%s: no MAC address for %pI4 on %s (error %d): sending to broadcast; set "
			"remote_mac to send unicast\n",
			nt_name(nt), &nt->np.remote_ip.ip, dev_name, ret);
}

static void ncx_resolve_work(struct work_struct *work)
{
	struct ncx_target *nt =
		container_of(to_delayed_work(work), struct ncx_target, resolve_work);
	char dev_name[IFNAMSIZ];
	u8 mac[ETH_ALEN];
	int ret = 0;

	if (rtnl_trylock()) {
		/* Disabled meanwhile, or the device went away: nothing to resolve for. */
		if (!READ_ONCE(nt->enabled) || !nt->np.dev) {
			rtnl_unlock();
			return;
		}
		strscpy(dev_name, nt->np.dev->name, sizeof(dev_name));
		ret = ncx_neigh_try(nt, mac);
		rtnl_unlock();
	} else {
		strscpy(dev_name, nt->np.dev_name, sizeof(dev_name));
	}
	if (ret == 0 && time_before(jiffies, nt->resolve_deadline)) {
		schedule_delayed_work(&nt->resolve_work, msecs_to_jiffies(NCX_RESOLVE_RETRY_MS));
		return;
	}
	ncx_resolve_done(nt, ret, mac, dev_name);
}

void ncx_resolve_init(struct ncx_target *nt)
{
	INIT_DELAYED_WORK(&nt->resolve_work, ncx_resolve_work);
}

void ncx_resolve_start(struct ncx_target *nt)
{
	unsigned int ms = READ_ONCE(resolve_ms);
	char dev_name[IFNAMSIZ];
	u8 mac[ETH_ALEN];
	int ret = -ENODEV;

	lockdep_assert_held(&ncx_config_mutex);
	if (nt->remote_mac_set || !ms)
		return;
	/* Enable runs in process context and may sleep for rtnl (netpoll_setup took it too). */
	rtnl_lock();
	if (nt->np.dev) {
		strscpy(dev_name, nt->np.dev->name, sizeof(dev_name));
		ret = ncx_neigh_try(nt, mac);
	}
	rtnl_unlock();
	if (ret == -ENODEV)
		return; /* the device went away right after netpoll_setup(): nothing sends */
	if (ret == 0) {
		nt->resolve_deadline = jiffies + msecs_to_jiffies(ms);
		schedule_delayed_work(&nt->resolve_work, msecs_to_jiffies(NCX_RESOLVE_RETRY_MS));
		return;
	}
	ncx_resolve_done(nt, ret, mac, dev_name);
}

void ncx_resolve_stop(struct ncx_target *nt)
{
	cancel_delayed_work_sync(&nt->resolve_work);
}
