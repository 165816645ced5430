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

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vxmirror/addr.h"
#include "vxmirror/alertlog.h"
#include "vxmirror/analyzer.h"
#include "vxmirror/config.h"
#include "vxmirror/log.h"
#include "vxmirror/session.h"
#include "vxmirror/stats.h"

struct event_base;

/* What the workers share: read-mostly. */
struct ctx {
	const struct config *cfg;
	struct session_table *sessions;
	struct alertlog *alerts;
};

#define WORKER_SESSION_CACHE 256

struct worker {
	int id;
	struct ctx *ctx;
	struct event_base *base;
	struct analyzer *an;
	struct worker_stats st;
	struct session *cache[WORKER_SESSION_CACHE]; /* direct-mapped by VNI */
	struct log_limit ll;
	struct timespec last_tick; /* packet time of the last tick */
	void *src;                 /* the worker's UDP sources (source_udp.c) */
};

void worker_init(struct worker *, int id, struct ctx *, struct event_base *);
void worker_fini(struct worker *);

/* worker_datagram: one VXLAN datagram (UDP payload) from outer source `src`. */
void worker_datagram(struct worker *, const struct timespec *ts, const struct addr *src,
                     const uint8_t *p, size_t len);

/* worker_frame: one inner Ethernet frame of session `s`.  `mirror_src` is
 * the outer source (the mirrored ENI), NULL when unknown. */
void worker_frame(struct worker *, struct session *s, const struct timespec *ts,
                  const struct addr *mirror_src, const uint8_t *p, size_t len);

/* worker_tick: expire flows and close idle pcap files as of `now`. */
void worker_tick(struct worker *, const struct timespec *now);

/* workers_summary: the stop summary (packets per session, alerts, errors) on `f`. */
void workers_summary(struct worker *w, size_t nworkers, const struct ctx *, FILE *f);

#endif
