/*
 * session.h - mirror sessions at run time: VNI -> name, pcap ring, counters.
 *
 * A session is what one AWS Traffic Mirror session delivers: one VNI.
 * Configured sessions exist from the start; with `unknown_vni: auto` a
 * new VNI creates "vni-<N>" with the defaults (at most SESSIONS_AUTO_MAX,
 * so a barrage of random VNIs cannot create unbounded directories).
 *
 * The table is shared by all workers.  Sessions are never freed while the
 * daemon runs, so a worker may cache session pointers; creation takes the
 * table lock, lookups of existing sessions go through a worker's cache.
 * Counters are relaxed atomics: several workers may feed one session.
 */
#ifndef VXMIRROR_SESSION_H
#define VXMIRROR_SESSION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "vxmirror/config.h"
#include "vxmirror/pcapring.h"

#define SESSIONS_AUTO_MAX 256
/* The VNI of the session that plain (unencapsulated) capture frames go to
 * when none is configured: outside the 24-bit VNI space on purpose. */
#define VNI_NONE 0x1000000u

struct session_counters {
	atomic_uint_fast64_t packets;
	atomic_uint_fast64_t bytes;     /* true (wire) bytes of inner frames */
	atomic_uint_fast64_t truncated; /* mirrored packets cut short */
	atomic_uint_fast64_t decode_errors;
};

struct session {
	struct session_conf conf; /* routes point into the config (or none for auto) */
	bool auto_created;
	struct pcapring *ring;            /* NULL: pcap off, the directory failed, or closed */
	struct pcapring_stats ring_final; /* the ring's counters when it was closed */
	struct session_counters c;
};

struct session_table {
	pthread_mutex_t mu;
	const struct config *cfg;
	struct session **v;
	size_t n, cap;
	size_t nauto;
	uint64_t auto_refused; /* unknown VNIs beyond SESSIONS_AUTO_MAX */
};

/* sessions_new: one session per configured session, rings opened (stale
 * .part files recovered first).  -1 on a fatal set-up error. */
struct session_table *sessions_new(const struct config *);
void sessions_free(struct session_table *);

/* sessions_get: the session of `vni`, created when unknown_vni is auto;
 * NULL when the VNI is dropped. */
struct session *sessions_get(struct session_table *, uint32_t vni);
/* sessions_plain: the session for plain frames of an offline capture:
 * `name` (or the config's offline_session) if set, else an auto session "capture". */
struct session *sessions_plain(struct session_table *, const char *name);

/* sessions_close: close every pcap ring (flush, rename), keeping its counters. */
void sessions_close(struct session_table *);
/* session_pcap_stats: the ring's counters, live or as closed. */
void session_pcap_stats(struct session *, struct pcapring_stats *);

void sessions_tick(struct session_table *, const struct timespec *now);
void sessions_flush(struct session_table *);

#endif
