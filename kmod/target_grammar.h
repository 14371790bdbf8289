/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netconsole's target grammar, as the targets= parameter of ncxdp_tx takes it:
 *
 *   [+][r][src-port]@[src-ip]/[<dev>],[tgt-port]@<tgt-ip>/[tgt-macaddr]
 *
 * with ';' between targets. Plain C shared by the module and its GoogleTest suite
 * (tests/unit/kmod_target_grammar_test.cpp): no allocation, no locking, no kernel or libc
 * calls beyond these headers, so the code the tests cover is the code the kernel runs.
 */
#ifndef NCXDP_TARGET_GRAMMAR_H
#define NCXDP_TARGET_GRAMMAR_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define NCX_IFNAMSIZ		16
#define NCX_ETH_ALEN		6
#define NCX_MAX_PARAM_LEN	256
#define NCX_DEFAULT_LOCAL_PORT	6665
#define NCX_DEFAULT_REMOTE_PORT 6666
#define NCX_DEFAULT_DEV		"eth0"

/* An IPv4 address sits in the first four bytes, as in the kernel's union inet_addr. */
struct ncx_ip {
	uint8_t bytes[16];
};

struct ncx_target_config {
	bool extended;	     /* '+': extended format */
	bool release;	     /* 'r': kernel release before the header (needs '+') */
	bool ipv6;	     /* both addresses are IPv6 */
	bool has_local_ip;   /* otherwise netpoll takes the device's address */
	bool has_dev_mac;    /* <dev> was a MAC address: bind to the device that has it */
	bool has_remote_mac; /* tgt-macaddr given (else ncxdp_tx resolves the next hop's) */
	uint16_t local_port;
	uint16_t remote_port;
	struct ncx_ip local_ip;
	struct ncx_ip remote_ip;
	char dev_name[NCX_IFNAMSIZ];
	uint8_t dev_mac[NCX_ETH_ALEN];
	uint8_t remote_mac[NCX_ETH_ALEN]; /* broadcast unless given */
};

/* Where and why a target string was refused. */
struct ncx_parse_error {
	const char *field;  /* "flags", "src-port", "src-ip", "dev", "tgt-port", ... */
	size_t offset;	    /* 0-based byte offset of the bad text in the target string */
	size_t len;	    /* length of the bad text (may be 0: something is missing) */
	const char *reason; /* human-readable, no trailing newline */
};

/* Fills @cfg with netconsole's defaults: ports 6665/6666, eth0, broadcast MAC, IPv4. */
void ncx_target_defaults(struct ncx_target_config *cfg);

/*
 * Parses one target (no ';') of @len bytes into @cfg (which must hold the defaults). Returns 0,
 * or -1 with @err filled. @cfg may be partly written on failure.
 */
int ncx_parse_target(const char *str, size_t len, struct ncx_target_config *cfg,
		     struct ncx_parse_error *err);

/*
 * Splits the targets= value: returns the next target and its length in @len, advancing
 * @cursor past the ';', or NULL at the end. Empty targets (";;") are returned as such so the
 * caller can report them.
 */
const char *ncx_next_target(const char **cursor, const char *end, size_t *len);

/* Address and number parsers used by the grammar and by the configfs attributes. 0 or -1. */
int ncx_parse_port(const char *s, size_t len, uint16_t *port);
int ncx_parse_ipv4(const char *s, size_t len, uint8_t out[4]);
int ncx_parse_ipv6(const char *s, size_t len, uint8_t out[16]);
/* IPv6 when @s contains ':', else IPv4; sets *ipv6 accordingly. */
int ncx_parse_ip(const char *s, size_t len, struct ncx_ip *ip, bool *ipv6);
/* Exactly "xx:xx:xx:xx:xx:xx" (hex digits, either case). */
int ncx_parse_mac(const char *s, size_t len, uint8_t mac[NCX_ETH_ALEN]);

#ifdef __cplusplus
}
#endif

#endif /* NCXDP_TARGET_GRAMMAR_H */
