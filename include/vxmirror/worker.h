/*
 * worker.h - one worker: an event base, its sockets, its flow table.
 *
 * A worker shares nothing mutable with other workers except the session
 * table (pcap rings are locked per ring) and the alert log (one write()
 * per line on an O_APPEND descriptor).  The pipeline entry points are
 * the same for live datagrams and offline capture frames, so replaying a
 * capture goes through exactly the code that live traffic does.
 */
#ifndef VXMIRROR_WORKER_H
#define VXMIRROR_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "vxmirror/addr.h"
#include "vxmirror/alertlog.h"
#include "vxmirror/analyzer.h"
#include "vxmirror/config.h"
#include "vxmirror/log.h"
#include "vxmirror/pathmap.h"
#include "vxmirror/session.h"
#include "vxmirror/stats.h"

struct event_base;
struct event;

/* What the workers share.  A reload swaps cfg and alerts atomically; the
 * old ones stay allocated until exit, so a worker mid-packet is safe. */
struct ctx {
	_Atomic(const struct config *) cfg;
	_Atomic(struct alertlog *) alerts;
	struct session_table *sessions;
	struct incidents *incidents;         /* shared by the workers (annotate.h) */
	atomic_uint_fast64_t silence_alerts; /* session_silent lines raised (sesswatch.c) */
};

/* ctx_alert: an alert of session `s` (may be NULL) on its way to the log:
 * dropped and counted if analyzer.suppress matches, else annotated
 * (incident, instance, evidence), counted per session and type, written.
 * The caller keeps its reference. */
void ctx_alert(struct ctx *, struct session *s, enum alert_type, json_t *alert);

#define WORKER_SESSION_CACHE 256

struct worker {
	int id;
	struct ctx *ctx;
	struct event_base *base;
	struct event *timer; /* 1 s: analyzer expiry, stats publication */
	pthread_t thread;
	struct analyzer *an;
	struct worker_stats st;                      /* written by this worker only (STAT_*) */
	struct session *cache[WORKER_SESSION_CACHE]; /* direct-mapped by VNI */
	uint32_t miss[WORKER_SESSION_CACHE]; /* VNI + 1 known to have no session (this gen) */
	unsigned cache_gen;                  /* session table generation the cache is from */
	struct log_limit ll;
	struct session *cur;        /* the session of the packet being analysed (on_alert) */
	struct timespec last_tick;  /* packet time of the last tick */
	void *src;                  /* the worker's UDP sources (source_udp.c) */
	pthread_mutex_t pub_mu;     /* guards pub */
	struct analyzer_stats pub;  /* analyzer counters, published each tick */
	struct path_rec *pub_paths; /* the path-MTU map, published each tick */
	size_t pub_npaths, pub_paths_cap;
	/* the session table generation at the worker's last quiescent point
	 * (its 1 s timer, between datagrams): what reloads retired before it
	 * can be freed (sessions_reclaim) */
	atomic_uint quiescent;
};

void worker_init(struct worker *, int id, struct ctx *, struct event_base *);
void worker_fini(struct worker *);

/* worker_datagram: one VXLAN datagram (UDP payload) from outer source `src`. */
void worker_datagram(struct worker *, const struct timespec *ts, const struct addr *src,
                     const uint8_t *p, size_t len);

/* worker_geneve: one GENEVE datagram (a GWLB target) carrying a mirrored
 * VXLAN packet; `src` is the GENEVE sender. */
void worker_geneve(struct worker *, const struct timespec *ts, const struct addr *src,
                   const uint8_t *p, size_t len);

/* worker_frame: one inner Ethernet frame of session `s`.  `mirror_src` is
 * the outer source (the mirrored ENI), NULL when unknown. */
void worker_frame(struct worker *, struct session *s, const struct timespec *ts,
                  const struct addr *mirror_src, const uint8_t *p, size_t len);

/* worker_quiescent: the worker holds no session, config or alert log
 * pointer now (between datagram batches, in its timer): publish the table
 * generation it is at, so what older reloads retired can be freed. */
void worker_quiescent(struct worker *);

/* worker_tick: expire flows as of `now`, publish the analyzer counters. */
void worker_tick(struct worker *, const struct timespec *now);

/* worker_stats_sum: counters summed over workers (safe while they run). */
void worker_stats_sum(struct worker *w, size_t n, struct worker_stats *t,
                      struct analyzer_stats *as);

/* worker_paths: the workers' path-MTU maps merged (path_recs_merge) into a
 * new array *out (caller frees); returns its length.  live: from what each
 * worker published at its last tick (safe while they run); else straight
 * from the analyzers (workers stopped, or -r's inline worker). */
size_t worker_paths(struct worker *w, size_t n, bool live, struct path_rec **out);

/* workers_summary: the stop summary (packets per session, alerts, errors) on `f`. */
void workers_summary(struct worker *w, size_t nworkers, struct ctx *, FILE *f);

#endif
