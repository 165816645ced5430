/*
 * extract.h - evidence by flow: one connection out of a session's pcaps
 * (Arkime's session pcap download), for `vxmirrord --extract`.
 *
 * The spec is an alert line (JSON: session, flow, ts, and first_sent
 * when the alert has one) or a flow written as
 *   PROTO SRC:SPORT DST:DPORT [SESSION] [TIME]   (IPv6 as [addr]:port;
 *                                               TIME as an alert's ts)
 * Files of the session (completed, .part and .recovered) are chosen by
 * their time range (the start time in the name, the modification time as
 * the end) overlapping the window, so only those are read.  Both
 * directions of the flow are written in time order, with the ICMP and
 * ICMPv6 errors whose quoted header is that flow, to a DLT_EN10MB pcap
 * with each record's original length kept.
 */
#ifndef VXMIRROR_EXTRACT_H
#define VXMIRROR_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vxmirror/addr.h"
#include "vxmirror/config.h"

struct extract_spec {
	char session[CONFIG_NAME_MAX]; /* "" = every session */
	uint8_t proto;                 /* IPPROTO_TCP/UDP/... */
	struct addr src, dst;
	uint16_t sport, dport;
	bool has_time; /* t0..t1 from an alert; else every file */
	struct timespec t0, t1;
};

struct extract_stats {
	uint64_t files_total; /* pcap files of the session(s) */
	uint64_t files_read;  /* overlapping the window */
	uint64_t frames_read; /* frames in those */
	uint64_t frames_flow; /* frames of the flow written */
	uint64_t frames_icmp; /* ICMP errors quoting the flow written */
};

/* extract_parse: an alert line or a flow; -1 with a message in err. */
int extract_parse(const char *text, struct extract_spec *, char *err, size_t errlen);

/*
 * extract_run: write the flow of `spec` found under pcap_dir to `out`,
 * with `window_s` seconds of margin on each side of the alert's time.
 * 0 on success (even with no frame found; see st), -1 with a message.
 */
int extract_run(const char *pcap_dir, const struct extract_spec *, double window_s, const char *out,
                struct extract_stats *st, char *err, size_t errlen);

#endif
