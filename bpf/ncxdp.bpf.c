// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ncxdp XDP program: steers netconsole datagrams (UDP to a configured destination port, and
 * from an allowlisted source when the allowlist is on) into the AF_XDP socket of the receive
 * queue they arrived on. Everything else goes on to the kernel untouched.
 *
 * Every exit that is not a match is XDP_PASS: the program shares the NIC with the host's own
 * traffic, so a frame we cannot parse costs at most a netconsole datagram, never someone else's
 * packet. Any destination MAC is accepted: netconsole sends to ff:ff:ff:ff:ff:ff when no
 * remote_mac is configured, with a unicast IP inside.
 *
 * IPv6 extension headers are not walked: netpoll builds the IPv6 header itself and never adds
 * one, so any next header other than UDP (or a fragment header, counted apart) is not ours.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ncxdp_shared.h"

/* QinQ covers every tagging a switch adds on the way; netconsole itself sends untagged. */
#define MAX_VLAN_TAGS 2

/* Not in the UAPI headers (the kernel keeps them in net/ip.h). */
#define IP_MF	  0x2000
#define IP_OFFSET 0x1fff

/* Not in the UAPI headers either (linux/if_vlan.h is kernel-internal). */
struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* The fixed part of an IPv6 fragment header (RFC 8200 4.5). */
struct frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

/* Set by userspace before load: when zero the allowlist tries are never looked at. */
const volatile __u32 allowlist_enabled = 0;

/* Receive queue index -> AF_XDP socket. Userspace sets max_entries to the queue count. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, NCXDP_DEFAULT_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ncxdp_port_set);
} ports SEC(".maps");

/* LPM tries cannot be preallocated; the kernel insists on BPF_F_NO_PREALLOC. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NCXDP_ALLOW_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ncxdp_prefix_v4);
	__type(value, __u8);
} allow_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NCXDP_ALLOW_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ncxdp_prefix_v6);
	__type(value, __u8);
} allow_v6 SEC(".maps");

/* Per CPU so that counting needs no atomic on the hot path; userspace sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NCXDP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct cursor {
	void *pos;
	void *end;
};

/* Returns the next len bytes and steps past them, or NULL when the frame ends first. */
static __always_inline void *take(struct cursor *c, __u32 len)
{
	void *hdr = c->pos;

	if (hdr + len > c->end)
		return NULL;
	c->pos = hdr + len;
	return hdr;
}

static __always_inline void count(__u32 slot)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &slot);

	if (value)
		*value += 1;
}

static __always_inline int port_wanted(__be16 dest)
{
	__u32 zero = 0;
	struct ncxdp_port_set *set = bpf_map_lookup_elem(&ports, &zero);
	__u16 port = bpf_ntohs(dest);

	if (!set)
		return 0;
	return (set->bits[port / 64] >> (port % 64)) & 1;
}

static __always_inline int is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

/*
 * The UDP header is ours when its destination port is configured and, with the allowlist on,
 * the source (already in the LPM key) falls in an allowed prefix.
 */
static __always_inline enum ncxdp_counter classify_udp(struct cursor *c, void *allow, void *key)
{
	struct udphdr *udp = take(c, sizeof(*udp));

	if (!udp)
		return NCXDP_CNT_MALFORMED;
	if (!port_wanted(udp->dest))
		return NCXDP_CNT_PASSED;
	if (!allowlist_enabled)
		return NCXDP_CNT_MATCHED;
	return bpf_map_lookup_elem(allow, key) ? NCXDP_CNT_MATCHED : NCXDP_CNT_NOT_ALLOWED;
}

static __always_inline enum ncxdp_counter classify_ipv4(struct cursor *c)
{
	struct ncxdp_prefix_v4 key;
	struct iphdr *ip;
	__u32 hdr_len;

	ip = take(c, sizeof(*ip));
	if (!ip)
		return NCXDP_CNT_MALFORMED;
	hdr_len = ip->ihl * 4;
	if (ip->version != 4 || hdr_len < sizeof(*ip))
		return NCXDP_CNT_MALFORMED;
	if (ip->protocol != IPPROTO_UDP)
		return NCXDP_CNT_PASSED;
	/* A fragment's UDP header may travel in another packet: only the kernel can reassemble. */
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return NCXDP_CNT_IP_FRAGMENT;
	/* IP options: skip what IHL says lies between the fixed header and UDP. */
	if (!take(c, hdr_len - sizeof(*ip)))
		return NCXDP_CNT_MALFORMED;
	key.prefixlen = 32;
	__builtin_memcpy(key.addr, &ip->saddr, sizeof(key.addr));
	return classify_udp(c, &allow_v4, &key);
}

static __always_inline enum ncxdp_counter classify_ipv6(struct cursor *c)
{
	struct ncxdp_prefix_v6 key;
	struct frag_hdr *frag;
	struct ipv6hdr *ip6;

	ip6 = take(c, sizeof(*ip6));
	if (!ip6)
		return NCXDP_CNT_MALFORMED;
	if (ip6->version != 6)
		return NCXDP_CNT_MALFORMED;
	if (ip6->nexthdr == IPPROTO_FRAGMENT) {
		frag = take(c, sizeof(*frag));
		if (!frag)
			return NCXDP_CNT_MALFORMED;
		return frag->nexthdr == IPPROTO_UDP ? NCXDP_CNT_IP_FRAGMENT : NCXDP_CNT_PASSED;
	}
	if (ip6->nexthdr != IPPROTO_UDP)
		return NCXDP_CNT_PASSED;
	key.prefixlen = 128;
	__builtin_memcpy(key.addr, &ip6->saddr, sizeof(key.addr));
	return classify_udp(c, &allow_v6, &key);
}

/* Decides which counter a frame belongs to; only NCXDP_CNT_MATCHED frames are redirected. */
static __always_inline enum ncxdp_counter classify(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	struct vlan_hdr *vlan;
	struct ethhdr *eth;
	__be16 proto;
	int i;

	eth = take(&c, sizeof(*eth));
	if (!eth)
		return NCXDP_CNT_MALFORMED;
	proto = eth->h_proto;
	for (i = 0; i < MAX_VLAN_TAGS; i++) {
		if (!is_vlan(proto))
			break;
		vlan = take(&c, sizeof(*vlan));
		if (!vlan)
			return NCXDP_CNT_MALFORMED;
		proto = vlan->encap_proto;
	}
	if (proto == bpf_htons(ETH_P_IP))
		return classify_ipv4(&c);
	if (proto == bpf_htons(ETH_P_IPV6))
		return classify_ipv6(&c);
	/* Includes a third VLAN tag: deeper stacks than QinQ are someone else's business. */
	return NCXDP_CNT_PASSED;
}

SEC("xdp")
int ncxdp_xdp(struct xdp_md *ctx)
{
	enum ncxdp_counter verdict = classify(ctx);
	long action;

	count(NCXDP_CNT_SEEN);
	count(verdict);
	if (verdict != NCXDP_CNT_MATCHED)
		return XDP_PASS;
	/* An empty slot (no socket on this queue yet) falls back to XDP_PASS: no socket, no harm. */
	action = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
	if (action == XDP_REDIRECT)
		count(NCXDP_CNT_REDIRECTED);
	return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
