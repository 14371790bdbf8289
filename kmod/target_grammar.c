// SPDX-License-Identifier: GPL-2.0
/*
 * netconsole's target grammar for ncxdp_tx. It accepts what drivers/net/netconsole.c accepts
 * (netconsole_parser_cmdline() in 6.14+, netpoll_parse_options() before), field by field in
 * the same order, but says which field is wrong and where instead of "couldn't parse config".
 * Stricter than netconsole in three places, each a silent misconfiguration there: port 0, a
 * device name longer than IFNAMSIZ - 1 (netconsole truncates it), and trailing bytes after a
 * MAC address (mac_pton() ignores them).
 */
#include "target_grammar.h"

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

static const char *find_char(const char *s, const char *end, char c)
{
	for (; s < end; s++)
		if (*s == c)
			return s;
	return NULL;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ncx_parse_port(const char *s, size_t len, uint16_t *port)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	/* "00012" is most likely a typo, and netconsole's own parser would read "012" as octal. */
	if (s[0] == '0' && len > 1)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int ncx_parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
	const char *end = s + len;
	int part;

	for (part = 0; part < 4; part++) {
		uint32_t v = 0;
		int digits = 0;

		if (part > 0) {
			if (s == end || *s != '.')
				return -1;
			s++;
		}
		while (s < end && *s >= '0' && *s <= '9') {
			if (++digits > 3)
				return -1;
			v = v * 10 + (uint32_t)(*s - '0');
			s++;
		}
		if (digits == 0 || v > 255)
			return -1;
		out[part] = (uint8_t)v;
	}
	return s == end ? 0 : -1;
}

int ncx_parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
	uint16_t groups[8];
	int n = 0, gap = -1, i;
	size_t pos = 0;

	if (len < 2)
		return -1;
	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		gap = 0;
		pos = 2;
	}
	while (pos < len) {
		const char *seg = s + pos;
		const char *colon = find_char(seg, s + len, ':');
		size_t seg_len = (colon ? (size_t)(colon - seg) : len - pos);
		uint32_t v = 0;
		size_t k;

		if (n == 8)
			return -1;
		/* A dotted IPv4 address can only end the address and fills two groups. */
		if (find_char(seg, seg + seg_len, '.')) {
			uint8_t v4[4];

			if (n > 6 || ncx_parse_ipv4(seg, len - pos, v4))
				return -1;
			groups[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
			groups[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
			pos = len;
			break;
		}
		if (seg_len == 0 || seg_len > 4)
			return -1;
		for (k = 0; k < seg_len; k++) {
			int h = hex_value(seg[k]);

			if (h < 0)
				return -1;
			v = v << 4 | (uint32_t)h;
		}
		groups[n++] = (uint16_t)v;
		pos += seg_len;
		if (pos == len)
			break;
		pos++; /* the ':' */
		if (pos == len)
			return -1; /* a single trailing ':' */
		if (s[pos] == ':') {
			if (gap >= 0)
				return -1; /* "::" twice */
			gap = n;
			pos++;
		}
	}
	/* Without "::" there must be eight groups; "::" stands for at least one. */
	if ((gap < 0 && n != 8) || (gap >= 0 && n > 7))
		return -1;

	memset(out, 0, 16);
	for (i = 0; i < n; i++) {
		int at = (gap >= 0 && i >= gap) ? 8 - (n - i) : i;

		out[2 * at] = (uint8_t)(groups[i] >> 8);
		out[2 * at + 1] = (uint8_t)groups[i];
	}
	return 0;
}

int ncx_parse_ip(const char *s, size_t len, struct ncx_ip *ip, bool *ipv6)
{
	struct ncx_ip parsed;

	memset(&parsed, 0, sizeof(parsed));
	if (find_char(s, s + len, ':')) {
		if (ncx_parse_ipv6(s, len, parsed.bytes))
			return -1;
		*ipv6 = true;
	} else {
		if (ncx_parse_ipv4(s, len, parsed.bytes))
			return -1;
		*ipv6 = false;
	}
	*ip = parsed;
	return 0;
}

int ncx_parse_mac(const char *s, size_t len, uint8_t mac[NCX_ETH_ALEN])
{
	uint8_t parsed[NCX_ETH_ALEN];
	int i;

	if (len != 3 * NCX_ETH_ALEN - 1)
		return -1;
	for (i = 0; i < NCX_ETH_ALEN; i++) {
		int hi = hex_value(s[3 * i]), lo = hex_value(s[3 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		if (i < NCX_ETH_ALEN - 1 && s[3 * i + 2] != ':')
			return -1;
		parsed[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, parsed, NCX_ETH_ALEN);
	return 0;
}

void ncx_target_defaults(struct ncx_target_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->local_port = NCX_DEFAULT_LOCAL_PORT;
	cfg->remote_port = NCX_DEFAULT_REMOTE_PORT;
	memcpy(cfg->dev_name, NCX_DEFAULT_DEV, sizeof(NCX_DEFAULT_DEV));
	memset(cfg->remote_mac, 0xff, NCX_ETH_ALEN);
}

static int fail(struct ncx_parse_error *err, const char *str, const char *field, const char *at,
		size_t len, const char *reason)
{
	err->field = field;
	err->offset = (size_t)(at - str);
	err->len = len;
	err->reason = reason;
	return -1;
}

static bool valid_dev_name(const char *s, size_t len)
{
	size_t i;

	/* The kernel's dev_valid_name(): no '/', ':' (handled by the caller) or whitespace. */
	for (i = 0; i < len; i++)
		if (s[i] == '/' || (unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

int ncx_parse_target(const char *str, size_t len, struct ncx_target_config *cfg,
		     struct ncx_parse_error *err)
{
	const char *cur = str, *end, *delim;
	bool ipv6;

	if (len == 0) {
		/* No pointer arithmetic here: an empty string may come as a null pointer. */
		err->field = "target";
		err->offset = 0;
		err->len = 0;
		err->reason = "empty target (two ';' in a row, or one at the end)";
		return -1;
	}
	end = str + len;

	if (*cur == '+') {
		cfg->extended = true;
		cur++;
	}
	if (cur < end && *cur == 'r') {
		if (!cfg->extended)
			return fail(err, str, "flags", cur, 1,
				    "'r' (release) needs '+' (extended) before it");
		cfg->release = true;
		cur++;
	}

	if (cur == end || *cur != '@') {
		delim = find_char(cur, end, '@');
		if (!delim)
			return fail(err, str, "src-port", cur, (size_t)(end - cur),
				    "missing '@' after the source port");
		if (ncx_parse_port(cur, (size_t)(delim - cur), &cfg->local_port))
			return fail(err, str, "src-port", cur, (size_t)(delim - cur),
				    "not a port number (1-65535)");
		cur = delim;
	}
	cur++;

	if (cur == end || *cur != '/') {
		delim = find_char(cur, end, '/');
		if (!delim)
			return fail(err, str, "src-ip", cur, (size_t)(end - cur),
				    "missing '/' after the source IP");
		if (ncx_parse_ip(cur, (size_t)(delim - cur), &cfg->local_ip, &ipv6))
			return fail(err, str, "src-ip", cur, (size_t)(delim - cur),
				    "not an IPv4 or IPv6 address");
		cfg->ipv6 = ipv6;
		cfg->has_local_ip = true;
		cur = delim;
	}
	cur++;

	if (cur == end || *cur != ',') {
		size_t n;

		delim = find_char(cur, end, ',');
		if (!delim)
			return fail(err, str, "dev", cur, (size_t)(end - cur),
				    "missing ',' after the device");
		n = (size_t)(delim - cur);
		if (find_char(cur, delim, ':')) {
			if (ncx_parse_mac(cur, n, cfg->dev_mac))
				return fail(err, str, "dev", cur, n,
					    "not a device name or MAC address");
			cfg->has_dev_mac = true;
			cfg->dev_name[0] = '\0';
		} else {
			if (n >= NCX_IFNAMSIZ)
				return fail(err, str, "dev", cur, n,
					    "device name longer than 15 characters");
			if (!valid_dev_name(cur, n))
				return fail(
					err, str, "dev", cur, n,
					"device name with '/', whitespace or a control character");
			memcpy(cfg->dev_name, cur, n);
			cfg->dev_name[n] = '\0';
		}
		cur = delim;
	}
	cur++;

	if (cur == end || *cur != '@') {
		delim = find_char(cur, end, '@');
		if (!delim)
			return fail(err, str, "tgt-port", cur, (size_t)(end - cur),
				    "missing '@' before the target IP");
		if (ncx_parse_port(cur, (size_t)(delim - cur), &cfg->remote_port))
			return fail(err, str, "tgt-port", cur, (size_t)(delim - cur),
				    "not a port number (1-65535)");
		cur = delim;
	}
	cur++;

	delim = find_char(cur, end, '/');
	if (!delim)
		return fail(err, str, "tgt-ip", cur, (size_t)(end - cur),
			    "missing '/' after the target IP");
	if (delim == cur)
		return fail(err, str, "tgt-ip", cur, 0, "the target IP is required");
	if (ncx_parse_ip(cur, (size_t)(delim - cur), &cfg->remote_ip, &ipv6))
		return fail(err, str, "tgt-ip", cur, (size_t)(delim - cur),
			    "not an IPv4 or IPv6 address");
	if (cfg->has_local_ip && ipv6 != cfg->ipv6)
		return fail(err, str, "tgt-ip", cur, (size_t)(delim - cur),
			    "source and target IP are of different families");
	cfg->ipv6 = ipv6;
	cur = delim + 1;

	if (cur < end && ncx_parse_mac(cur, (size_t)(end - cur), cfg->remote_mac))
		return fail(err, str, "tgt-macaddr", cur, (size_t)(end - cur),
			    "not a MAC address (xx:xx:xx:xx:xx:xx)");
	cfg->has_remote_mac = cur < end;
	return 0;
}

const char *ncx_next_target(const char **cursor, const char *end, size_t *len)
{
	const char *start = *cursor, *semi;

	if (!start)
		return NULL;
	semi = find_char(start, end, ';');
	*len = (size_t)((semi ? semi : end) - start);
	*cursor = semi ? semi + 1 : NULL;
	return start;
}
