// SPDX-License-Identifier: GPL-2.0
/*
 * netconsole's payload formats for ncxdp_tx; see wire_format.h. The fragmentation follows
 * send_msg_fragmented() / send_fragmented_body() of drivers/net/netconsole.c (6.15+): the
 * header is everything before the first ';' (with the release in front), and the fragments
 * carry body, then userdata, then sysdata as one byte stream.
 */
#include "wire_format.h"

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <stdbool.h>
#include <string.h>
#endif

/* Appends @v in decimal; returns the digits written (at most 20). No snprintf: its integer
 * formats differ between the kernel and userspace, and this runs with interrupts off. */
static size_t put_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* Copies @len bytes of @src to @out + *@at, as far as @size allows. */
static void put_bytes(char *out, size_t size, size_t *at, const char *src, size_t len)
{
	/* Also keeps a NULL @src (absent userdata) away from memcpy(). */
	if (len == 0 || *at >= size)
		return;
	if (len > size - *at)
		len = size - *at;
	memcpy(out + *at, src, len);
	*at += len;
}

static void put_str(char *out, size_t size, size_t *at, const char *s)
{
	put_bytes(out, size, at, s, strlen(s));
}

int ncx_emit_extended(const struct ncx_ext_msg *m, char *buf, ncx_emit_fn emit, void *ctx)
{
	size_t release_len = m->release ? strlen(m->release) + 1 : 0;
	const char *part[3] = { NULL, m->userdata, m->sysdata };
	size_t part_len[3] = { 0, m->userdata_len, m->sysdata_len };
	size_t header_len, data_len, sent = 0;
	const char *semi;
	size_t at = 0;

	if (release_len + m->msg_len + m->userdata_len + m->sysdata_len <= NCX_MAX_PRINT_CHUNK) {
		if (m->release) {
			put_str(buf, NCX_MAX_PRINT_CHUNK, &at, m->release);
			put_bytes(buf, NCX_MAX_PRINT_CHUNK, &at, ",", 1);
		}
		put_bytes(buf, NCX_MAX_PRINT_CHUNK, &at, m->msg, m->msg_len);
		put_bytes(buf, NCX_MAX_PRINT_CHUNK, &at, m->userdata, m->userdata_len);
		put_bytes(buf, NCX_MAX_PRINT_CHUNK, &at, m->sysdata, m->sysdata_len);
		emit(ctx, buf, at);
		return 0;
	}

	semi = memchr(m->msg, ';', m->msg_len);
	if (!semi)
		return -1;
	header_len = (size_t)(semi - m->msg);
	part[0] = semi + 1;
	part_len[0] = m->msg_len - header_len - 1;
	data_len = part_len[0] + part_len[1] + part_len[2];
	/* The header and the ncfrag field must leave room for at least one body byte. */
	if (release_len + header_len + sizeof(",ncfrag=/;") - 1 + 2 * 20 >= NCX_MAX_PRINT_CHUNK)
		return -1;

	if (m->release) {
		put_str(buf, NCX_MAX_PRINT_CHUNK, &at, m->release);
		put_bytes(buf, NCX_MAX_PRINT_CHUNK, &at, ",", 1);
	}
	put_bytes(buf, NCX_MAX_PRINT_CHUNK, &at, m->msg, header_len);
	header_len = at;

	while (sent < data_len) {
		size_t skip = sent, i;

		at = header_len;
		put_str(buf, NCX_MAX_PRINT_CHUNK, &at, ",ncfrag=");
		at += put_u64(buf + at, sent);
		buf[at++] = '/';
		at += put_u64(buf + at, data_len);
		buf[at++] = ';';
		/* Fill the rest of the payload from body, userdata, sysdata, in that order. */
		for (i = 0; i < 3 && at < NCX_MAX_PRINT_CHUNK; i++) {
			size_t n;

			if (skip >= part_len[i]) {
				skip -= part_len[i];
				continue;
			}
			n = part_len[i] - skip;
			if (n > NCX_MAX_PRINT_CHUNK - at)
				n = NCX_MAX_PRINT_CHUNK - at;
			memcpy(buf + at, part[i] + skip, n);
			at += n;
			sent += n;
			skip = 0;
		}
		emit(ctx, buf, at);
	}
	return 0;
}

void ncx_emit_plain(const char *msg, size_t len, ncx_emit_fn emit, void *ctx)
{
	while (len > 0) {
		size_t n = len < NCX_MAX_PRINT_CHUNK ? len : NCX_MAX_PRINT_CHUNK;

		emit(ctx, msg, n);
		msg += n;
		len -= n;
	}
}

size_t ncx_format_sysdata(char *buf, size_t size, unsigned int fields, unsigned int cpu,
			  const char *comm, const char *release, uint32_t msgid)
{
	char num[20];
	size_t at = 0;

	if (size == 0)
		return 0;
	size--; /* room for the NUL */
	if (fields & NCX_SYSDATA_CPU_NR) {
		put_str(buf, size, &at, " cpu=");
		put_bytes(buf, size, &at, num, put_u64(num, cpu));
		put_str(buf, size, &at, "\n");
	}
	if (fields & NCX_SYSDATA_TASKNAME) {
		put_str(buf, size, &at, " taskname=");
		put_str(buf, size, &at, comm);
		put_str(buf, size, &at, "\n");
	}
	if (fields & NCX_SYSDATA_RELEASE) {
		put_str(buf, size, &at, " release=");
		put_str(buf, size, &at, release);
		put_str(buf, size, &at, "\n");
	}
	if (fields & NCX_SYSDATA_MSGID) {
		put_str(buf, size, &at, " msgid=");
		put_bytes(buf, size, &at, num, put_u64(num, msgid));
		put_str(buf, size, &at, "\n");
	}
	buf[at] = '\0';
	return at;
}

size_t ncx_escape_ext_text(const char *text, size_t len, char *out, size_t size, size_t *consumed)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, at = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < ' ' || c >= 0x7f || c == '\\') {
			if (size - at < 4)
				break;
			out[at++] = '\\';
			out[at++] = 'x';
			out[at++] = hex[c >> 4];
			out[at++] = hex[c & 15];
		} else {
			if (size - at < 1)
				break;
			out[at++] = (char)c;
		}
	}
	*consumed = i;
	return at;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "<prio>" at the start of @s; returns its length, 0 if absent. */
static size_t parse_syslog_prefix(const char *s, size_t len, unsigned int *prio)
{
	unsigned int v = 0;
	size_t i = 1;

	if (len < 3 || s[0] != '<')
		return 0;
	while (i < len && is_digit(s[i]) && i < 8)
		v = v * 10 + (unsigned int)(s[i++] - '0');
	if (i == 1 || i >= len || s[i] != '>')
		return 0;
	*prio = v;
	return i + 1;
}

/* printk's "[%5lu.%06lu]"; returns its length, 0 if absent. */
static size_t parse_time_prefix(const char *s, size_t len, uint64_t *ts_usec)
{
	uint64_t sec = 0, usec = 0;
	size_t i = 1, digits = 0, frac;

	if (len < 10 || s[0] != '[')
		return 0;
	while (i < len && s[i] == ' ')
		i++;
	while (i < len && is_digit(s[i]) && digits < 20) {
		sec = sec * 10 + (uint64_t)(s[i++] - '0');
		digits++;
	}
	if (digits == 0 || i >= len || s[i] != '.')
		return 0;
	i++;
	for (frac = 0; frac < 6; frac++, i++) {
		if (i >= len || !is_digit(s[i]))
			return 0;
		usec = usec * 10 + (uint64_t)(s[i] - '0');
	}
	if (i >= len || s[i] != ']')
		return 0;
	*ts_usec = sec * 1000000 + usec;
	return i + 1;
}

/* printk's caller id "[%6s]" holding T<pid> or C<cpu>; returns its length, 0 if absent. */
static size_t parse_caller_prefix(const char *s, size_t len, const char **id, size_t *id_len)
{
	size_t i = 1, start;

	if (len < 4 || s[0] != '[')
		return 0;
	while (i < len && s[i] == ' ')
		i++;
	start = i;
	if (i >= len || (s[i] != 'T' && s[i] != 'C'))
		return 0;
	i++;
	if (i >= len || !is_digit(s[i]))
		return 0;
	while (i < len && is_digit(s[i]))
		i++;
	if (i >= len || s[i] != ']')
		return 0;
	*id = s + start;
	*id_len = i - start;
	return i + 1;
}

size_t ncx_dump_line_to_ext(const char *line, size_t len, uint64_t seq, uint64_t dump_id, char *out,
			    size_t size)
{
	/* Level 4 is printk's default when a record somehow has no "<prio>". */
	unsigned int prio = 4;
	uint64_t ts_usec = 0;
	const char *caller = NULL, *text, *end = line + len;
	size_t caller_len = 0, prefix_len, n, at = 0, consumed;
	char head[128];

	prefix_len = parse_syslog_prefix(line, len, &prio);
	n = parse_time_prefix(line + prefix_len, len - prefix_len, &ts_usec);
	prefix_len += n;
	if (parse_caller_prefix(line + prefix_len, len - prefix_len, &caller, &caller_len))
		prefix_len = (size_t)(caller + caller_len + 1 - line);
	/* info_print_prefix() adds a space after the time or caller, never after "<prio>" alone. */
	if ((n || caller) && prefix_len < len && line[prefix_len] == ' ')
		prefix_len++;

	at += put_u64(head + at, prio);
	head[at++] = ',';
	at += put_u64(head + at, seq);
	head[at++] = ',';
	at += put_u64(head + at, ts_usec);
	put_str(head, sizeof(head), &at, ",-");
	if (caller && caller_len < 24) {
		put_str(head, sizeof(head), &at, ",caller=");
		put_bytes(head, sizeof(head), &at, caller, caller_len);
	}
	put_str(head, sizeof(head), &at, "," NCX_DUMP_FIELD);
	at += put_u64(head + at, dump_id);
	head[at++] = ';';
	/* Room for the header, at least the final '\n', and nothing half-written. */
	if (at + 1 > size)
		return 0;
	memcpy(out, head, at);

	/* The text: every line with the shared prefix removed, joined by (escaped) newlines. */
	text = line + prefix_len;
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		const char *stop = nl ? nl : end;

		n = ncx_escape_ext_text(text, (size_t)(stop - text), out + at, size - 1 - at,
					&consumed);
		at += n;
		if (text + consumed < stop || !nl || nl + 1 == end)
			break;
		/* A line follows: keep its newline, drop its copy of the prefix. */
		n = ncx_escape_ext_text("\n", 1, out + at, size - 1 - at, &consumed);
		if (!consumed)
			break;
		at += n;
		text = nl + 1;
		if ((size_t)(end - text) >= prefix_len && !memcmp(text, line, prefix_len))
			text += prefix_len;
	}
	out[at++] = '\n';
	return at;
}
