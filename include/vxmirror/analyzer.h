/*
 * analyzer.h - the streaming path-MTU analyzer.
 *
 * Fed one decoded packet at a time (with the session it belongs to and
 * where it was written in the pcap), it keeps a bidirectional flow table
 * and raises alerts (see docs/alerts.md for the schema).  It reads only
 * struct packet, never raw bytes, and only packet time, never the clock,
 * so offline replay and live traffic give the same alerts.
 *
 * Alerts are handed to a callback as jansson objects (the worker writes
 * them to the alert log; tests collect them).  The callback must not keep
 * the reference: the analyzer releases it after the call.
 *
 * One analyzer per worker; nothing is shared between analyzers.
 */
#ifndef VXMIRROR_ANALYZER_H
#define VXMIRROR_ANALYZER_H

#include <stdint.h>
#include <time.h>
#include <jansson.h>

#include "vxmirror/addr.h"
#include "vxmirror/config.h"
#include "vxmirror/packet.h"
#include "vxmirror/pcapring.h"

enum alert_type {
	ALERT_OVERSIZE_DF = 0,
	ALERT_MSS_EXCEEDS_PATH_MTU,
	ALERT_MSS_CLAMP_ASYMMETRY,
	ALERT_PMTUD_BLACKHOLE,
	ALERT_ICMP_PTB,
	ALERT_PTB_IGNORED,
	ALERT_FRAGMENTED,
	ALERT_PATH_MTU_MISMATCH,
	/* Not the analyzer's, not about a flow: a configured session that has
	 * received nothing for its expect_traffic (sesswatch.c).  The flow types
	 * come before it (flow_side.alerted has a bit for each of them). */
	ALERT_SESSION_SILENT,
	ALERT__MAX
};

/* alert_type_name: "oversize_df", ... (the JSON "type"). */
const char *alert_type_name(enum alert_type);

typedef void (*analyzer_alert_cb)(void *arg, enum alert_type, json_t *alert);

struct analyzer;

struct analyzer_stats {
	uint64_t flows_active;
	uint64_t flows_created;
	uint64_t flows_evicted; /* pushed out by max_flows (LRU) */
	uint64_t flows_expired; /* idle or closed timeout */
	uint64_t alerts[ALERT__MAX];
	uint64_t alerts_suppressed; /* duplicates per flow and type */
	uint64_t paths_active;      /* path-MTU map entries */
	uint64_t paths_evicted;     /* pushed out by max_paths (LRU) */
	uint64_t ptb_impossible;    /* PTBs with an MTU no path has (ignored) */
};

/* analyzer_new: conf must be complete (config_load() fills every key);
 * NULL means config_analyzer_defaults(). */
struct analyzer *analyzer_new(const struct analyzer_conf *, analyzer_alert_cb, void *arg);
void analyzer_free(struct analyzer *);

/*
 * analyzer_packet: account one packet.  `sess` is the session config it
 * arrived on; `mirror_src` is the outer source IP (the mirrored ENI), or
 * NULL when unknown (plain capture); `ref` is where the packet was written,
 * or NULL when the session does not write pcaps.
 */
void analyzer_packet(struct analyzer *, const struct session_conf *sess,
                     const struct addr *mirror_src, const struct packet *pkt,
                     const struct pcap_ref *ref);

/* analyzer_tick: expire idle/closed flows as of packet time `now`. */
void analyzer_tick(struct analyzer *, const struct timespec *now);

void analyzer_get_stats(const struct analyzer *, struct analyzer_stats *);

struct path_rec;
/* analyzer_paths: append a copy of the path-MTU map's entries to *v (see
 * path_table_export); merge several analyzers' with path_recs_merge. */
void analyzer_paths(const struct analyzer *, struct path_rec **v, size_t *n, size_t *cap);

/* route_match: the longest-prefix route of `sess` containing `dst`, or NULL. */
const struct route_conf *route_match(const struct session_conf *sess, const struct addr *dst);
/* path_mtu_lookup: MTU towards `dst` in `sess` by longest-prefix match over
 * its routes, else its path_mtu; 0 when neither is configured.  *from says
 * which ("route 198.18.2.0/24", "session path_mtu"), may be NULL. */
uint32_t path_mtu_lookup(const struct session_conf *sess, const struct addr *dst, char *from,
                         size_t fromlen);

#endif
