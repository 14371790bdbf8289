/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ncxdp_tx puts in a UDP payload: netconsole's plain and extended formats, byte for byte
 * as drivers/net/netconsole.c (6.15+) sends them, plus the one field ncxdp_tx adds to messages
 * replayed by its kmsg dumper. Plain C shared with the GoogleTest suite
 * (tests/unit/kmod_wire_format_test.cpp), which checks it against the test vectors of
 * docs/netconsole-format.md.
 */
#ifndef NCXDP_WIRE_FORMAT_H
#define NCXDP_WIRE_FORMAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* netconsole's MAX_PRINT_CHUNK: no payload is longer, so nothing is IP-fragmented. */
#define NCX_MAX_PRINT_CHUNK 1000
/* The kernel's CONSOLE_EXT_LOG_MAX: the longest extended message printk formats. */
#define NCX_EXT_MSG_MAX 8192

/*
 * Header field of every message the dumper replays. /dev/kmsg's format (and netconsole
 * receivers) ignore comma fields they do not know, so only receivers that look for it see it.
 * The value is the dump's number since the module was loaded: 1, 2, ...
 */
#define NCX_DUMP_FIELD "ncxdp_dump="

/* sysdata entries, in the order they are appended (upstream netconsole's order). */
enum ncx_sysdata_field {
	NCX_SYSDATA_CPU_NR = 1 << 0,   /* " cpu=<n>" */
	NCX_SYSDATA_TASKNAME = 1 << 1, /* " taskname=<comm>" */
	NCX_SYSDATA_RELEASE = 1 << 2,  /* " release=<uname -r>" */
	NCX_SYSDATA_MSGID = 1 << 3,    /* " msgid=<per-target counter>" */
};

/* One extended message and what netconsole appends to it. */
struct ncx_ext_msg {
	const char *release; /* sent as "<release>," before the header; NULL: not sent */
	const char *msg;     /* "<header>;<body>", as an extended console receives it */
	size_t msg_len;
	const char *userdata; /* " key=value\n" lines; may be NULL when userdata_len is 0 */
	size_t userdata_len;
	const char *sysdata; /* " cpu=..\n ..." lines from ncx_format_sysdata() */
	size_t sysdata_len;
};

/* Receives each payload; @data is valid only during the call. */
typedef void (*ncx_emit_fn)(void *ctx, const char *data, size_t len);

/*
 * Sends @m as netconsole does: one payload when release + message + userdata + sysdata fit in
 * NCX_MAX_PRINT_CHUNK, else fragments that each repeat the header with ",ncfrag=<off>/<total>"
 * and carry the next bytes of body + userdata + sysdata. @buf is the target's scratch buffer
 * of NCX_MAX_PRINT_CHUNK bytes. Returns 0, or -1 (nothing sent) when a message that needs
 * fragmenting has no ';'.
 */
int ncx_emit_extended(const struct ncx_ext_msg *m, char *buf, ncx_emit_fn emit, void *ctx);

/* Plain format: the console text cut into NCX_MAX_PRINT_CHUNK pieces with no header. */
void ncx_emit_plain(const char *msg, size_t len, ncx_emit_fn emit, void *ctx);

/*
 * Formats the enabled @fields (enum ncx_sysdata_field) as netconsole's sysdata lines into
 * @buf of @size bytes; returns the length (output is cut at @size - 1 and NUL-terminated).
 */
size_t ncx_format_sysdata(char *buf, size_t size, unsigned int fields, unsigned int cpu,
			  const char *comm, const char *release, uint32_t msgid);

/*
 * kmsg dumper support. kmsg_dump_get_line(syslog=true) hands out one printk record as console
 * text: every line of it as "<prio>[time][caller] text\n" with the same prefix (time and caller
 * only when printk prints them). This rebuilds the extended message printk would have made:
 *
 *   <prio>,<seq>,<ts_usec>,-[,caller=<id>],ncxdp_dump=<dump_id>;<escaped text>\n
 *
 * into @out of @size bytes (no NUL). ts_usec is 0 when printk.time is off. Dictionary lines
 * (SUBSYSTEM=, DEVICE=) are not available through kmsg_dump and are not sent. Text that does
 * not fit is cut at an escape boundary. Returns the length, 0 if @size is too small for the
 * header.
 */
size_t ncx_dump_line_to_ext(const char *line, size_t len, uint64_t seq, uint64_t dump_id, char *out,
			    size_t size);

/*
 * printk's extended-text escaping (msg_add_ext_text()): bytes < 0x20, >= 0x7f and '\' become
 * "\xNN". Writes at most @size bytes, never half an escape; returns the length written and
 * sets *consumed to the input bytes it covers.
 */
size_t ncx_escape_ext_text(const char *text, size_t len, char *out, size_t size, size_t *consumed);

#ifdef __cplusplus
}
#endif

#endif /* NCXDP_WIRE_FORMAT_H */
