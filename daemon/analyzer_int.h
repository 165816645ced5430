/*
 * analyzer_int.h - what analyzer.c shares with the detections in
 * detect_*.c.  Not a public header: nothing outside the analyzer module
 * includes it.
 *
 * analyzer.c owns the analyzer, the per-packet context (struct pctx) and
 * the alert plumbing (head, claim, emit); each detect_*.c file holds the
 * rules of one or two alert types and exports one struct detector, run
 * from analyzer_packet() in the order of detector_table[] (detector.h).
 */
#ifndef VXMIRROR_ANALYZER_INT_H
#define VXMIRROR_ANALYZER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "vxmirror/alert.h"
#include "vxmirror/analyzer.h"
#include "vxmirror/detector.h"
#include "vxmirror/flow.h"

#define AN_MAX_SESSIONS 64 /* sessions remembered for cross-session evidence */

/* A session the analyzer has seen packets of. */
struct an_sess {
	uint32_t vni;
	bool has_mirror;    /* mirror holds the outer source of its latest packet */
	struct addr mirror; /* the mirrored ENI (AWS: its primary IP) */
	char name[CONFIG_NAME_MAX];
};

struct analyzer {
	struct analyzer_conf conf;
	analyzer_alert_cb cb;
	void *cb_arg;
	struct flow_table *flows;
	void **dstate; /* per detector_table[] entry: its state, or NULL */
	uint64_t alerts[ALERT__MAX];
	uint64_t suppressed;
	/* The sessions this analyzer has seen packets of (by VNI), so that a
	 * detection can look the same connection up in the other ones. */
	const struct session_conf *last_sess;
	uint32_t last_vni;
	int last_idx; /* its index in sess[], or -1 */
	int nsess;
	struct an_sess sess[AN_MAX_SESSIONS];
};

/* The packet being analysed and where it stands. */
struct pctx {
	struct analyzer *an;
	const struct session_conf *sess;
	const struct addr *mirror_src;
	const struct packet *pkt;
	const struct pcap_ref *ref;
	struct flow *flow; /* NULL until the packet needs one */
	int side;          /* the sender's side of flow */
	void *state;       /* the running detector's state (struct detector) */
};

/* The directed flow an alert is about (the alert's "flow" object). */
struct an_flow {
	uint8_t proto;
	bool ports; /* sport/dport are meaningful */
	const struct addr *src, *dst;
	uint16_t sport, dport;
};

/* --- formatting (analyzer.c) --- */

/* an_tcpip_hdr: IP + TCP header bytes without options: 40 (IPv4) or 60 (IPv6). */
uint32_t an_tcpip_hdr(const struct addr *a);

/* --- flows (analyzer.c) --- */

/* an_pctx_flow: the packet's flow, created for packets without ports when first needed. */
struct flow *an_pctx_flow(struct pctx *c);
/* an_pctx_find: the packet's flow if it exists (never creates one); may be NULL. */
struct flow *an_pctx_find(struct pctx *c);
/* an_flow_of: side x of f as the sender of a directed alert flow. */
struct an_flow an_flow_of(const struct flow *f, int x);
/* an_path_mtu: MTU towards side x of f (0 = not configured); from may be NULL. */
uint32_t an_path_mtu(const struct pctx *c, const struct flow *f, int x, char *from, size_t len);

/* an_other_copy: the same connection as c->flow seen on another session,
 * the next one from index *n on (start at 0); NULL when there is none.
 * *other is that session. */
struct flow *an_other_copy(const struct pctx *c, int *n, const struct an_sess **other);

/* --- alerts (analyzer.c) --- */

/* an_alert_claim: true the first time `t` is raised for this side of the flow; counts repeats. */
bool an_alert_claim(struct analyzer *an, struct flow *f, int side, enum alert_type t);
/* an_alert_new: the common head of an alert (ts .. flow); NULL on allocation failure. */
json_t *an_alert_new(const struct pctx *c, enum alert_type t, const char *severity,
                     const struct an_flow *fl);
/* an_alert_emit: add message, advice and pcap, hand the alert over, release it. */
void an_alert_emit(struct pctx *c, enum alert_type t, json_t *o, const char *message,
                   const char *advice);

#endif
