/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ncxdp_tx: a netconsole-compatible sender for Debian's 6.1 and 6.12 kernels. What the three
 * parts of the module share: tx_core.c (targets, consoles, transmission, module init),
 * tx_configfs.c (the configfs tree) and tx_dump.c (the kmsg dumper).
 */
#ifndef NCXDP_TX_H
#define NCXDP_TX_H

#include <linux/configfs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netpoll.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "target_grammar.h"
#include "wire_format.h"

/* netconsole's userdata limits (6.9 - 6.17): "<space>key=value\n" in 256 bytes, 16 entries. */
#define NCX_EXTRADATA_ENTRY_LEN 256
#define NCX_EXTRADATA_VALUE_LEN 200
#define NCX_EXTRADATA_NAME_LEN	(NCX_EXTRADATA_ENTRY_LEN - NCX_EXTRADATA_VALUE_LEN - 3)
#define NCX_EXTRADATA_ITEMS	16
#define NCX_SYSDATA_FIELDS	4

#define NCX_CMDLINE_PREFIX "cmdline"

/**
 * struct ncx_target - one destination, from the targets= parameter or from configfs.
 * @list:		in ncx_targets, under ncx_targets_lock.
 * @group:		the configfs directory; for a parameter target only once the user made
 *			cmdline<N> (its name is set from the start so mkdir can find it).
 * @userdata_group:	the userdata/ directory below @group.
 * @in_configfs:	@group is linked into configfs (it then owns the memory).
 * @enabled:		netpoll is set up and messages are sent. Changing any other
 *			parameter needs it off. Written under both locks, read under either.
 * @extended:		extended format ('+'); @release: kernel release before the header ('r').
 * @local_ip_set:	the user chose local_ip; else netpoll takes the device's at each enable.
 * @local_ipv6, @remote_ipv6: family of each configured address (np.ipv6 follows remote).
 * @has_dev_mac:	bind to the device with MAC @dev_mac (the grammar allows it) rather
 *			than by name; resolved when the target is enabled.
 * @np:			netpoll: device, addresses, ports, and the remote MAC in use
 *			(written under the spinlock once enabled).
 * @remote_mac_set:	the user gave remote_mac (configfs, or the MAC field of targets=):
 *			np.remote_mac is sent to as is. Otherwise it is the broadcast address
 *			until tx_neigh.c resolves the next hop's MAC at enable.
 * @resolve_work:	retries that resolution for a bounded time (see tx_neigh.c).
 * @resolve_deadline:	jiffies when the retries give up and the target keeps broadcasting.
 * @resolve_nh:		the next hop last looked up (for the log lines).
 * @sysdata_fields:	enum ncx_sysdata_field bits.
 * @msgcounter:		msgid of the last message sent (sysdata msgid), under the spinlock.
 * @transmit_errors:	messages not sent because the device was down (under the spinlock).
 * @userdata:		" key=value\n" for every userdata entry with a value, in creation
 *			order; replaced under the spinlock.
 * @sysdata:		scratch for the sysdata lines of the message being sent.
 * @buf:		the payload being built; under the spinlock.
 * @dump_records:	records of the current kmsg dump handed to the device (dumper only).
 */
struct ncx_target {
	struct list_head list;
	struct config_group group;
	struct config_group userdata_group;
	bool in_configfs;
	bool enabled;
	bool extended;
	bool release;
	bool local_ip_set;
	bool local_ipv6;
	bool remote_ipv6;
	bool has_dev_mac;
	u8 dev_mac[ETH_ALEN];
	struct netpoll np;
	bool remote_mac_set;
	struct delayed_work resolve_work;
	unsigned long resolve_deadline;
	union inet_addr resolve_nh;
	u32 sysdata_fields;
	u32 msgcounter;
	u64 transmit_errors;
	size_t userdata_len;
	char userdata[NCX_EXTRADATA_ENTRY_LEN * NCX_EXTRADATA_ITEMS];
	char sysdata[NCX_EXTRADATA_ENTRY_LEN * NCX_SYSDATA_FIELDS];
	char buf[NCX_MAX_PRINT_CHUNK];
	unsigned int dump_records;
};

/* Every target; the spinlock because consoles write with interrupts off. */
extern struct list_head ncx_targets;
extern spinlock_t ncx_targets_lock;
/* Serialises configuration changes (configfs stores, enable and disable), which may sleep. */
extern struct mutex ncx_config_mutex;

/* A target named @name holding one reference (its config_item's kref); see tx_core.c. */
struct ncx_target *ncx_target_alloc(const char *name);
/* Called by the config_item release only, when the last reference goes. */
void ncx_target_free(struct ncx_target *nt);
/* Sets up netpoll and starts sending; under ncx_config_mutex. 0 or -errno. */
int ncx_target_enable(struct ncx_target *nt);
/* Registers the console @nt's format needs, if not yet done; under ncx_config_mutex. */
void ncx_register_console_for(struct ncx_target *nt);
/* Stops sending and releases netpoll; under ncx_config_mutex. */
void ncx_target_disable(struct ncx_target *nt);
/* Sends one extended message (as a CON_EXTENDED console gets it); ncx_targets_lock held. */
void ncx_send_extended(struct ncx_target *nt, const char *msg, size_t len);
/* True when @nt should send now; counts a transmit error when its device is down. */
bool ncx_target_ready(struct ncx_target *nt);

/* CPU running the kmsg dumper with ncx_targets_lock held, or -1: printk from inside the dump
 * must not re-enter our consoles on that CPU (they would spin on the lock the dump holds). */
extern int ncx_dump_cpu;
/* A transmit queue stayed stopped through a whole crash-time wait: do not wait again until the
 * next dump starts (under ncx_targets_lock). */
extern bool ncx_tx_stuck;

/* tx_neigh.c: the next hop's MAC for a target without remote_mac. init at alloc; start after
 * enable (under ncx_config_mutex, may sleep); stop (cancel, waits for a running retry) at
 * enable, disable and free. */
void ncx_resolve_init(struct ncx_target *nt);
void ncx_resolve_start(struct ncx_target *nt);
void ncx_resolve_stop(struct ncx_target *nt);

int ncx_configfs_init(void);
void ncx_configfs_exit(void);
/* Initialises @nt's config groups (reference count 1) under @name. */
void ncx_configfs_init_target(struct ncx_target *nt, const char *name);

int ncx_dump_init(void);
void ncx_dump_exit(void);

#endif /* NCXDP_TX_H */
