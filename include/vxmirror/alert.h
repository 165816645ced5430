/*
 * alert.h - formatting shared by every alert type (alert.c); the schema
 * is docs/alerts.md.
 */
#ifndef VXMIRROR_ALERT_H
#define VXMIRROR_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

#include "vxmirror/addr.h"
#include "vxmirror/analyzer.h"
#include "vxmirror/detector.h"
#include "vxmirror/flow.h"

/* Where a worker's alerts go, and how many there were. */
struct alert_sink {
	analyzer_alert_cb cb;
	void *arg;
	uint64_t counts[ALERT__MAX]; /* written */
	uint64_t suppressed;         /* repeats alert_claim refused */
};

/* The directed flow an alert is about (the alert's "flow" object). */
struct alert_flow {
	uint8_t proto;
	bool ports; /* sport/dport are meaningful */
	const struct addr *src, *dst;
	uint16_t sport, dport;
};

/* alert_flow_of: side x of f as the sender of a directed alert flow. */
struct alert_flow alert_flow_of(const struct flow *f, int x);
/* alert_claim: true the first time `t` is raised for this side of the flow; counts repeats. */
bool alert_claim(struct alert_sink *, struct flow *f, int side, enum alert_type t);
/* alert_head: the head every alert line starts with, ts .. mirror_source
 * (vni null beyond 24 bits, mirror_source null without one); NULL on
 * allocation failure. */
json_t *alert_head(const char *ts, enum alert_type t, const char *severity, const char *session,
                   uint32_t vni, const struct addr *mirror_src);
/* alert_tail: what every alert line ends with: message, advice, pcap (null without ref). */
void alert_tail(json_t *o, const char *message, const char *advice, const struct pcap_ref *ref);
/* alert_new: the common head of an alert (ts .. flow); NULL on allocation failure. */
json_t *alert_new(const struct pctx *c, enum alert_type t, const char *severity,
                  const struct alert_flow *fl);
/* alert_emit: add message, advice and pcap, hand the alert to the sink, release it. */
void alert_emit(struct pctx *c, enum alert_type t, json_t *o, const char *message,
                const char *advice);

/* alert_fmt_ts: RFC 3339 UTC with microseconds, "2026-11-23T08:56:11.123456Z". */
const char *alert_fmt_ts(const struct timespec *ts, char *buf, size_t len);
/* alert_parse_ts: the inverse of alert_fmt_ts ("...Z" only); 0 or -1. */
int alert_parse_ts(const char *s, struct timespec *ts);
/* alert_fmt_ns: the same for packet time in nanoseconds. */
const char *alert_fmt_ns(int64_t ns, char *buf, size_t len);
/* alert_proto_name: "tcp", "udp", "icmp", "icmpv6", ... or "other". */
const char *alert_proto_name(uint8_t proto);
/* alert_fmt_ep: "198.18.1.1:443", "[2001:db8::1]:443", or the bare address without ports. */
const char *alert_fmt_ep(const struct addr *a, bool ports, uint16_t port, char *buf, size_t len);
/* alert_icmp_advice: the ICMP error PMTUD needs, for this address family. */
const char *alert_icmp_advice(const struct addr *a);
/* alert_json_uint_or_null: an integer, or null when v is 0 ("not known"). */
json_t *alert_json_uint_or_null(uint32_t v);

#endif
