// SPDX-License-Identifier: GPL-2.0
/*
 * The configfs interface of ncxdp_tx: netconsole's, attribute for attribute, under its own
 * subsystem name. The tree:
 *
 * /sys/kernel/config/ncxdp_tx/
 *	<target>/			mkdir makes a (disabled) target; cmdline<N> attaches
 *	|				to the N-th target of the targets= parameter instead
 *	|	enabled			1 sets up netpoll and starts sending; writing the
 *	|				value it already has is EINVAL
 *	|	extended		}
 *	|	release			}
 *	|	dev_name		}
 *	|	local_port		} writable only while disabled (EINVAL otherwise)
 *	|	remote_port		}
 *	|	local_ip		}
 *	|	remote_ip		}
 *	|	remote_mac		}  unset: the next hop's, resolved at enable
 *	|	remote_mac_resolved	read-only: the MAC in use (broadcast until resolved)
 *	|	local_mac		read-only: the device's MAC (broadcast when none)
 *	|	transmit_errors		read-only: messages dropped because the device was down
 *	|	userdata/
 *	|		cpu_nr_enabled		sysdata toggles: " cpu=", " taskname=",
 *	|		taskname_enabled	" release=", " msgid=" lines after every
 *	|		release_enabled		extended message
 *	|		msgid_enabled
 *	|		<key>/			at most 16 keys + enabled sysdata (ENOSPC),
 *	|			value		key <= 53 bytes (ENAMETOOLONG), value < 200
 *	|					bytes (EMSGSIZE); sent as " <key>=<value>\n"
 *	<target>/...
 *
 * Userdata and sysdata may change while the target is enabled. Stores run under
 * ncx_config_mutex; those that walk the userdata entries also hold the subsystem mutex, which
 * configfs holds around mkdir and rmdir (lock order: su_mutex, then ncx_config_mutex).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/ctype.h>
#include <linux/etherdevice.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ncxdp_tx.h"

static struct configfs_subsystem ncx_subsys;

static struct ncx_target *to_target(struct config_item *item)
{
	return container_of(to_config_group(item), struct ncx_target, group);
}

static const char *target_name(struct ncx_target *nt)
{
	return config_item_name(&nt->group.cg_item) ?: "?";
}

/* echo(1) appends a newline; attributes store the value without it. */
static void trim_newline(char *s, size_t size)
{
	size_t len = strnlen(s, size);

	if (len && s[len - 1] == '\n')
		s[len - 1] = '\0';
}

static size_t len_without_newline(const char *buf, size_t count)
{
	count = strnlen(buf, count);
	if (count && buf[count - 1] == '\n')
		count--;
	return count;
}

/* Parameters are frozen while the target sends, as in netconsole. */
static bool refuse_if_enabled(struct ncx_target *nt)
{
	if (!nt->enabled)
		return false;
	pr_err("target (%s) is enabled, disable to update parameters\n", target_name(nt));
	return true;
}

static ssize_t ncx_enabled_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_target(item)->enabled);
}

static ssize_t ncx_extended_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_target(item)->extended);
}

static ssize_t ncx_release_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_target(item)->release);
}

static ssize_t ncx_dev_name_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_target(item)->np.dev_name);
}

static ssize_t ncx_local_port_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_target(item)->np.local_port);
}

static ssize_t ncx_remote_port_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_target(item)->np.remote_port);
}

static ssize_t ncx_local_ip_show(struct config_item *item, char *buf)
{
	struct ncx_target *nt = to_target(item);

	/* Unset, it is the device's address netpoll took, of remote_ip's family. */
	if (nt->local_ip_set ? nt->local_ipv6 : nt->remote_ipv6)
		return sysfs_emit(buf, "%pI6c\n", &nt->np.local_ip.in6);
	return sysfs_emit(buf, "%pI4\n", &nt->np.local_ip.ip);
}

static ssize_t ncx_remote_ip_show(struct config_item *item, char *buf)
{
	struct ncx_target *nt = to_target(item);

	if (nt->remote_ipv6)
		return sysfs_emit(buf, "%pI6c\n", &nt->np.remote_ip.in6);
	return sysfs_emit(buf, "%pI4\n", &nt->np.remote_ip.ip);
}

static ssize_t ncx_local_mac_show(struct config_item *item, char *buf)
{
	static const u8 bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct net_device *dev = to_target(item)->np.dev;

	return sysfs_emit(buf, "%pM\n", dev ? dev->dev_addr : bcast);
}

/* What the user set; broadcast when unset, as in netconsole (remote_mac_resolved: in use). */
static ssize_t ncx_remote_mac_show(struct config_item *item, char *buf)
{
	struct ncx_target *nt = to_target(item);
	u8 mac[ETH_ALEN];

	if (nt->remote_mac_set)
		memcpy(mac, nt->np.remote_mac, ETH_ALEN);
	else
		eth_broadcast_addr(mac);
	return sysfs_emit(buf, "%pM\n", mac);
}

static ssize_t ncx_remote_mac_resolved_show(struct config_item *item, char *buf)
{
	struct ncx_target *nt = to_target(item);
	unsigned long flags;
	u8 mac[ETH_ALEN];

	spin_lock_irqsave(&ncx_targets_lock, flags);
	memcpy(mac, nt->np.remote_mac, ETH_ALEN);
	spin_unlock_irqrestore(&ncx_targets_lock, flags);
	return sysfs_emit(buf, "%pM\n", mac);
}

static ssize_t ncx_transmit_errors_show(struct config_item *item, char *buf)
{
	struct ncx_target *nt = to_target(item);
	unsigned long flags;
	u64 errors;

	spin_lock_irqsave(&ncx_targets_lock, flags);
	errors = nt->transmit_errors;
	spin_unlock_irqrestore(&ncx_targets_lock, flags);
	return sysfs_emit(buf, "%llu\n", errors);
}

static ssize_t ncx_enabled_store(struct config_item *item, const char *buf, size_t count)
{
	struct ncx_target *nt = to_target(item);
	bool enabled;
	ssize_t ret;

	ret = kstrtobool(buf, &enabled);
	if (ret)
		return ret;

	mutex_lock(&ncx_config_mutex);
	if (enabled == nt->enabled) {
		pr_info("network logging has already %s\n", enabled ? "started" : "stopped");
		ret = -EINVAL;
		goto out_unlock;
	}
	if (enabled) {
		ret = ncx_target_enable(nt);
		if (ret)
			goto out_unlock;
		ncx_register_console_for(nt);
		pr_info("network logging started\n");
	} else {
		ncx_target_disable(nt);
	}
	ret = count;
out_unlock:
	mutex_unlock(&ncx_config_mutex);
	return ret;
}

static ssize_t store_flag(struct config_item *item, const char *buf, size_t count, bool *flag)
{
	struct ncx_target *nt = to_target(item);
	bool value;
	ssize_t ret;

	mutex_lock(&ncx_config_mutex);
	ret = -EINVAL;
	if (refuse_if_enabled(nt))
		goto out_unlock;
	ret = kstrtobool(buf, &value);
	if (ret)
		goto out_unlock;
	*flag = value;
	ret = count;
out_unlock:
	mutex_unlock(&ncx_config_mutex);
	return ret;
}

static ssize_t ncx_extended_store(struct config_item *item, const char *buf, size_t count)
{
	return store_flag(item, buf, count, &to_target(item)->extended);
}

static ssize_t ncx_release_store(struct config_item *item, const char *buf, size_t count)
{
	return store_flag(item, buf, count, &to_target(item)->release);
}

static ssize_t ncx_dev_name_store(struct config_item *item, const char *buf, size_t count)
{
	struct ncx_target *nt = to_target(item);
	ssize_t ret = -EINVAL;

	mutex_lock(&ncx_config_mutex);
	if (refuse_if_enabled(nt))
		goto out_unlock;
	strscpy(nt->np.dev_name, buf, IFNAMSIZ);
	trim_newline(nt->np.dev_name, IFNAMSIZ);
	nt->has_dev_mac = false;
	ret = count;
out_unlock:
	mutex_unlock(&ncx_config_mutex);
	return ret;
}

static ssize_t store_port(struct config_item *item, const char *buf, size_t count, u16 *port)
{
	struct ncx_target *nt = to_target(item);
	ssize_t ret = -EINVAL;
	size_t len;

	mutex_lock(&ncx_config_mutex);
	if (refuse_if_enabled(nt))
		goto out_unlock;
	/* The targets= parser, so both interfaces accept exactly the same ports (1-65535, plain decimal). */
	len = count;
	if (len && buf[len - 1] == '\n')
		len--;
	if (ncx_parse_port(buf, len, port))
		goto out_unlock;
	ret = count;
out_unlock:
	mutex_unlock(&ncx_config_mutex);
	return ret;
}

static ssize_t ncx_local_port_store(struct config_item *item, const char *buf, size_t count)
{
	return store_port(item, buf, count, &to_target(item)->np.local_port);
}

static ssize_t ncx_remote_port_store(struct config_item *item, const char *buf, size_t count)
{
	return store_port(item, buf, count, &to_target(item)->np.remote_port);
}

/* An IPv4 or IPv6 address, parsed by the grammar's own parser (the family follows it). */
static ssize_t store_ip(struct config_item *item, const char *buf, size_t count,
			union inet_addr *addr, bool *ipv6, bool *set)
{
	struct ncx_target *nt = to_target(item);
	struct ncx_ip ip;
	ssize_t ret = -EINVAL;
	bool v6;

	mutex_lock(&ncx_config_mutex);
	if (refuse_if_enabled(nt))
		goto out_unlock;
	if (ncx_parse_ip(buf, len_without_newline(buf, count), &ip, &v6)) {
		pr_err("target (%s): not an IPv4 or IPv6 address\n", target_name(nt));
		goto out_unlock;
	}
	memcpy(addr, ip.bytes, sizeof(*addr));
	*ipv6 = v6;
	if (set)
		*set = true;
	ret = count;
out_unlock:
	mutex_unlock(&ncx_config_mutex);
	return ret;
}

static ssize_t ncx_local_ip_store(struct config_item *item, const char *buf, size_t count)
{
	struct ncx_target *nt = to_target(item);

	return store_ip(item, buf, count, &nt->np.local_ip, &nt->local_ipv6, &nt->local_ip_set);
}

static ssize_t ncx_remote_ip_store(struct config_item *item, const char *buf, size_t count)
{
	struct ncx_target *nt = to_target(item);

	return store_ip(item, buf, count, &nt->np.remote_ip, &nt->remote_ipv6, NULL);
}

static ssize_t ncx_remote_mac_store(struct config_item *item, const char *buf, size_t count)
{
	struct ncx_target *nt = to_target(item);
	u8 mac[ETH_ALEN];
	ssize_t ret = -EINVAL;

	mutex_lock(&ncx_config_mutex);
	if (refuse_if_enabled(nt))
		goto out_unlock;
	if (ncx_parse_mac(buf, len_without_newline(buf, count), mac))
		goto out_unlock;
	memcpy(nt->np.remote_mac, mac, ETH_ALEN);
	nt->remote_mac_set = true;
	ret = count;
out_unlock:
	mutex_unlock(&ncx_config_mutex);
	return ret;
}

CONFIGFS_ATTR(ncx_, enabled);
CONFIGFS_ATTR(ncx_, extended);
CONFIGFS_ATTR(ncx_, release);
CONFIGFS_ATTR(ncx_, dev_name);
CONFIGFS_ATTR(ncx_, local_port);
CONFIGFS_ATTR(ncx_, remote_port);
CONFIGFS_ATTR(ncx_, local_ip);
CONFIGFS_ATTR(ncx_, remote_ip);
CONFIGFS_ATTR_RO(ncx_, local_mac);
CONFIGFS_ATTR(ncx_, remote_mac);
CONFIGFS_ATTR_RO(ncx_, remote_mac_resolved);
CONFIGFS_ATTR_RO(ncx_, transmit_errors);

/* One attribute per line. */
/* clang-format off */
static struct configfs_attribute *ncx_target_attrs[] = {
	&ncx_attr_enabled,
	&ncx_attr_extended,
	&ncx_attr_release,
	&ncx_attr_dev_name,
	&ncx_attr_local_port,
	&ncx_attr_remote_port,
	&ncx_attr_local_ip,
	&ncx_attr_remote_ip,
	&ncx_attr_local_mac,
	&ncx_attr_remote_mac,
	&ncx_attr_remote_mac_resolved,
	&ncx_attr_transmit_errors,
	NULL,
};
/* clang-format on */

/* ---- userdata/<key>/value and the sysdata toggles ---- */

struct ncx_userdatum {
	struct config_item item;
	char value[NCX_EXTRADATA_VALUE_LEN];
};

static struct ncx_userdatum *to_userdatum(struct config_item *item)
{
	return container_of(item, struct ncx_userdatum, item);
}

/* The target that owns the userdata group @group. */
static struct ncx_target *userdata_target(struct config_group *group)
{
	return container_of(group, struct ncx_target, userdata_group);
}

/* Userdata entries plus enabled sysdata fields: netconsole's one budget of 16. */
static size_t count_extradata_entries(struct ncx_target *nt)
{
	return list_count_nodes(&nt->userdata_group.cg_children) + hweight32(nt->sysdata_fields);
}

/* Rebuilds nt->userdata from the entries; su_mutex and ncx_config_mutex held. */
static int update_userdata(struct ncx_target *nt)
{
	struct config_item *item;
	unsigned long flags;
	size_t len = 0;
	char *text;

	text = kmalloc(sizeof(nt->userdata), GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	list_for_each_entry(item, &nt->userdata_group.cg_children, ci_entry) {
		struct ncx_userdatum *udm = to_userdatum(item);

		/* Entries without a value are not sent. */
		if (!udm->value[0])
			continue;
		/* Cannot truncate: at most 16 entries of at most 256 bytes each. */
		len += scnprintf(text + len, sizeof(nt->userdata) - len, " %s=%s\n",
				 config_item_name(item), udm->value);
	}
	spin_lock_irqsave(&ncx_targets_lock, flags);
	memcpy(nt->userdata, text, len);
	nt->userdata_len = len;
	spin_unlock_irqrestore(&ncx_targets_lock, flags);
	kfree(text);
	return 0;
}

static ssize_t userdatum_value_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_userdatum(item)->value);
}

static ssize_t userdatum_value_store(struct config_item *item, const char *buf, size_t count)
{
	struct ncx_userdatum *udm = to_userdatum(item);
	struct ncx_target *nt = userdata_target(to_config_group(item->ci_parent));
	char value[NCX_EXTRADATA_VALUE_LEN];
	ssize_t ret;

	if (count > NCX_EXTRADATA_VALUE_LEN)
		return -EMSGSIZE;
	/* As netconsole: 200 bytes do not fit with the NUL (E2BIG). Unlike it, a refused value
	 * leaves the old one in place. */
	ret = strscpy(value, buf, sizeof(value));
	if (ret < 0)
		return ret;
	trim_newline(value, sizeof(value));
	/* A newline inside the value would start a dictionary line of its own on the wire
	 * ("a\n SUBSYSTEM=spoof"): refused. */
	if (strchr(value, '\n'))
		return -EINVAL;

	mutex_lock(&ncx_subsys.su_mutex);
	mutex_lock(&ncx_config_mutex);
	strscpy(udm->value, value, sizeof(udm->value));
	ret = update_userdata(nt);
	if (ret)
		goto out_unlock;
	ret = count;
out_unlock:
	mutex_unlock(&ncx_config_mutex);
	mutex_unlock(&ncx_subsys.su_mutex);
	return ret;
}

CONFIGFS_ATTR(userdatum_, value);

static struct configfs_attribute *userdatum_attrs[] = {
	&userdatum_attr_value,
	NULL,
};

static void userdatum_release(struct config_item *item)
{
	kfree(to_userdatum(item));
}

static struct configfs_item_operations userdatum_ops = {
	.release = userdatum_release,
};

static const struct config_item_type userdatum_type = {
	.ct_item_ops = &userdatum_ops,
	.ct_attrs = userdatum_attrs,
	.ct_owner = THIS_MODULE,
};

static ssize_t show_sysdata(struct config_item *item, char *buf, u32 field)
{
	struct ncx_target *nt = userdata_target(to_config_group(item));

	return sysfs_emit(buf, "%d\n", !!(READ_ONCE(nt->sysdata_fields) & field));
}

static ssize_t store_sysdata(struct config_item *item, const char *buf, size_t count, u32 field)
{
	struct ncx_target *nt = userdata_target(to_config_group(item));
	unsigned long flags;
	bool on;
	ssize_t ret;

	ret = kstrtobool(buf, &on);
	if (ret)
		return ret;

	mutex_lock(&ncx_subsys.su_mutex);
	mutex_lock(&ncx_config_mutex);
	if (on == !!(nt->sysdata_fields & field))
		goto out_ok;
	if (on && count_extradata_entries(nt) >= NCX_EXTRADATA_ITEMS) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	spin_lock_irqsave(&ncx_targets_lock, flags);
	if (on)
		nt->sysdata_fields |= field;
	else
		nt->sysdata_fields &= ~field;
	spin_unlock_irqrestore(&ncx_targets_lock, flags);
out_ok:
	ret = count;
out_unlock:
	mutex_unlock(&ncx_config_mutex);
	mutex_unlock(&ncx_subsys.su_mutex);
	return ret;
}

/* A macro that defines functions, laid out like them. */
/* clang-format off */
#define NCX_SYSDATA_ATTR(name, field)                                                              \
	static ssize_t sysdata_##name##_show(struct config_item *item, char *buf)                  \
	{                                                                                          \
		return show_sysdata(item, buf, field);                                             \
	}                                                                                          \
	static ssize_t sysdata_##name##_store(struct config_item *item, const char *buf,           \
					      size_t count)                                        \
	{                                                                                          \
		return store_sysdata(item, buf, count, field);                                     \
	}                                                                                          \
	CONFIGFS_ATTR(sysdata_, name)

NCX_SYSDATA_ATTR(cpu_nr_enabled, NCX_SYSDATA_CPU_NR);
NCX_SYSDATA_ATTR(taskname_enabled, NCX_SYSDATA_TASKNAME);
NCX_SYSDATA_ATTR(release_enabled, NCX_SYSDATA_RELEASE);
NCX_SYSDATA_ATTR(msgid_enabled, NCX_SYSDATA_MSGID);
/* clang-format on */

static struct configfs_attribute *userdata_attrs[] = {
	&sysdata_attr_cpu_nr_enabled,
	&sysdata_attr_taskname_enabled,
	&sysdata_attr_release_enabled,
	&sysdata_attr_msgid_enabled,
	NULL,
};

/* mkdir userdata/<key>; configfs holds su_mutex. */
static struct config_item *userdatum_make_item(struct config_group *group, const char *name)
{
	struct ncx_target *nt = userdata_target(group);
	struct ncx_userdatum *udm;
	const char *c;
	bool full;

	if (strlen(name) > NCX_EXTRADATA_NAME_LEN)
		return ERR_PTR(-ENAMETOOLONG);
	/* " key=value": '=' or whitespace in the key would change how receivers split it. */
	for (c = name; *c; c++)
		if (*c == '=' || isspace((unsigned char)*c))
			return ERR_PTR(-EINVAL);
	mutex_lock(&ncx_config_mutex);
	full = count_extradata_entries(nt) >= NCX_EXTRADATA_ITEMS;
	mutex_unlock(&ncx_config_mutex);
	if (full)
		return ERR_PTR(-ENOSPC);

	udm = kzalloc(sizeof(*udm), GFP_KERNEL);
	if (!udm)
		return ERR_PTR(-ENOMEM);
	config_item_init_type_name(&udm->item, name, &userdatum_type);
	return &udm->item;
}

/* rmdir userdata/<key>; configfs holds su_mutex and has unlinked the entry already. */
static void userdatum_drop(struct config_group *group, struct config_item *item)
{
	struct ncx_target *nt = userdata_target(group);

	mutex_lock(&ncx_config_mutex);
	if (update_userdata(nt))
		pr_err("target (%s): out of memory updating userdata\n", target_name(nt));
	mutex_unlock(&ncx_config_mutex);
	config_item_put(item);
}

static struct configfs_group_operations userdata_ops = {
	.make_item = userdatum_make_item,
	.drop_item = userdatum_drop,
};

static const struct config_item_type userdata_type = {
	.ct_group_ops = &userdata_ops,
	.ct_attrs = userdata_attrs,
	.ct_owner = THIS_MODULE,
};

/* ---- targets ---- */

static void ncx_target_release(struct config_item *item)
{
	ncx_target_free(to_target(item));
}

static struct configfs_item_operations ncx_target_item_ops = {
	.release = ncx_target_release,
};

static const struct config_item_type ncx_target_type = {
	.ct_attrs = ncx_target_attrs,
	.ct_item_ops = &ncx_target_item_ops,
	.ct_owner = THIS_MODULE,
};

void ncx_configfs_init_target(struct ncx_target *nt, const char *name)
{
	config_group_init_type_name(&nt->group, name, &ncx_target_type);
	config_group_init_type_name(&nt->userdata_group, "userdata", &userdata_type);
	configfs_add_default_group(&nt->userdata_group, &nt->group);
}

/* The parameter target called @name that has no configfs directory yet. */
static struct ncx_target *find_param_target(const char *name)
{
	struct ncx_target *nt, *found = NULL;

	mutex_lock(&ncx_config_mutex);
	list_for_each_entry(nt, &ncx_targets, list) {
		const char *nt_name = config_item_name(&nt->group.cg_item);

		if (!nt->in_configfs && nt_name && !strcmp(nt_name, name)) {
			found = nt;
			break;
		}
	}
	mutex_unlock(&ncx_config_mutex);
	return found;
}

static struct config_group *ncx_make_target(struct config_group *group, const char *name)
{
	struct ncx_target *nt;
	unsigned long flags;

	if (!strncmp(name, NCX_CMDLINE_PREFIX, strlen(NCX_CMDLINE_PREFIX))) {
		nt = find_param_target(name);
		if (nt) {
			/* The boot target becomes a configfs one: the reference it was created
			 * with (ncx_target_alloc) now belongs to configfs, and rmdir drops it. */
			nt->in_configfs = true;
			return &nt->group;
		}
	}

	nt = ncx_target_alloc(name);
	if (!nt)
		return ERR_PTR(-ENOMEM);
	nt->in_configfs = true;
	mutex_lock(&ncx_config_mutex);
	spin_lock_irqsave(&ncx_targets_lock, flags);
	list_add_tail(&nt->list, &ncx_targets);
	spin_unlock_irqrestore(&ncx_targets_lock, flags);
	mutex_unlock(&ncx_config_mutex);
	return &nt->group;
}

static void ncx_drop_target(struct config_group *group, struct config_item *item)
{
	struct ncx_target *nt = to_target(item);
	unsigned long flags;

	mutex_lock(&ncx_config_mutex);
	spin_lock_irqsave(&ncx_targets_lock, flags);
	list_del(&nt->list);
	spin_unlock_irqrestore(&ncx_targets_lock, flags);
	/* Never enabled, or disabled by the user or the netdev notifier: nothing to undo. A
	 * notifier still releasing netpoll holds its own reference (see tx_core.c). */
	if (nt->enabled)
		ncx_target_disable(nt);
	mutex_unlock(&ncx_config_mutex);
	config_item_put(item);
}

static struct configfs_group_operations ncx_subsys_group_ops = {
	.make_group = ncx_make_target,
	.drop_item = ncx_drop_target,
};

static const struct config_item_type ncx_subsys_type = {
	.ct_group_ops = &ncx_subsys_group_ops,
	.ct_owner = THIS_MODULE,
};

static struct configfs_subsystem ncx_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf	= KBUILD_MODNAME,
			.ci_type	= &ncx_subsys_type,
		},
	},
};

int ncx_configfs_init(void)
{
	config_group_init(&ncx_subsys.su_group);
	mutex_init(&ncx_subsys.su_mutex);
	return configfs_register_subsystem(&ncx_subsys);
}

void ncx_configfs_exit(void)
{
	configfs_unregister_subsystem(&ncx_subsys);
}
