/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Everything ncxdp.bpf.c and userspace must agree on: counter slots, map key and value layouts,
 * default sizes. Plain C with __u32-style fields so both clang -target bpf and clang++ read it.
 */
#ifndef NCXDP_SHARED_H
#define NCXDP_SHARED_H

#include <linux/types.h>

/*
 * Slots of the per-CPU `counters` array. Every packet the program sees counts once in SEEN and
 * exactly once in MATCHED, PASSED, NOT_ALLOWED, MALFORMED or IP_FRAGMENT; REDIRECTED is the
 * subset of MATCHED that bpf_redirect_map() actually sent to a socket.
 */
enum ncxdp_counter {
	NCXDP_CNT_SEEN = 0,
	NCXDP_CNT_MATCHED,     /* UDP to a configured port from an allowed source */
	NCXDP_CNT_REDIRECTED,  /* matched, and an AF_XDP socket sat in the queue's slot */
	NCXDP_CNT_PASSED,      /* not ours: other ethertype, protocol or port */
	NCXDP_CNT_NOT_ALLOWED, /* configured port, but the source is not in the allowlist */
	NCXDP_CNT_MALFORMED,   /* a header cut short or with an impossible version/length */
	NCXDP_CNT_IP_FRAGMENT, /* UDP in an IPv4 fragment or behind an IPv6 fragment header */
	NCXDP_CNT_MAX,
};

/* XSKMAP size when userspace does not set it to the interface's queue count before load. */
#define NCXDP_DEFAULT_QUEUES 64

/* Capacity of each allowlist LPM trie. */
#define NCXDP_ALLOW_MAX 1024

/*
 * Value of the single-slot `ports` array: bit N set means UDP destination port N is ours.
 * 8 KiB and one lookup per packet, where an array with one slot per port would cost 512 KiB
 * (array values are padded to 8 bytes).
 */
struct ncxdp_port_set {
	__u64 bits[65536 / 64];
};

/* LPM trie keys: prefix length in bits, then the address in network byte order. */
struct ncxdp_prefix_v4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct ncxdp_prefix_v6 {
	__u32 prefixlen;
	__u8 addr[16];
};

#endif /* NCXDP_SHARED_H */
