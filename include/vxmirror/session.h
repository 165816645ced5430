/*
 * session.h - mirror sessions at run time: VNI -> name, pcap ring, counters.
 *
 * A session is what one AWS Traffic Mirror session delivers: one VNI.
 * Configured sessions exist from the start; with `unknown_vni: auto` a
 * new VNI creates "vni-<N>" with the defaults (at most SESSIONS_AUTO_MAX,
 * so a barrage of random VNIs cannot create unbounded directories).
 *
 * The table is shared by all workers.  A session object is never freed
 * while the daemon runs, so a worker may cache pointers to it.  A reload
 * (sessions_reload) changes the table under its lock and bumps `gen`;
 * workers drop their caches when they see a new generation.  A session
 * whose name or pcap settings changed is *retired* (its ring sealed) and
 * replaced by a new object; one whose path MTU or routes changed keeps its
 * object and only its `conf` pointer is swapped, atomically.  Flow state
 * lives in the analyzers, keyed by VNI, so it survives either way.
 *
 * Counters are relaxed atomics: several workers may feed one session.  The
 * per-packet ones are sharded by worker (struct session_shard): a worker
 * writes only its own cache line, and readers sum the shards.
 */
#ifndef VXMIRROR_SESSION_H
#define VXMIRROR_SESSION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "vxmirror/analyzer.h"
#include "vxmirror/config.h"
#include "vxmirror/pcapring.h"

#define SESSIONS_AUTO_MAX 256
/* The VNI of the session that plain (unencapsulated) capture frames go to
 * when none is configured: outside the 24-bit VNI space on purpose. */
#define VNI_NONE 0x1000000u

/* SESSION_SHARDS: shards of the per-packet counters; worker id modulo this
 * picks one.  16 x 64 bytes per session; more workers than shards share. */
#define SESSION_SHARDS 16
#define SESSION_LINE   64

/* session_shard: the counters every packet writes, one cache line per
 * worker, so workers feeding one session do not pass the line around. */
struct session_shard {
	_Alignas(SESSION_LINE) atomic_uint_fast64_t packets;
	atomic_uint_fast64_t bytes;     /* true (wire) bytes of inner frames */
	atomic_uint_fast64_t truncated; /* mirrored packets cut short */
	atomic_uint_fast64_t decode_errors;
	atomic_uint_fast64_t pcap_filtered; /* frames pcap_filter kept out of the pcaps */
	atomic_int_fast64_t last_ns;        /* packet time of the latest frame, 0 = none */
};

/* session_totals: the shards summed (session_totals_get). */
struct session_totals {
	uint64_t packets, bytes, truncated, decode_errors, pcap_filtered;
};

/* session_counters: the rare ones (alerts, write errors), not sharded. */
struct session_counters {
	atomic_uint_fast64_t pcap_unwritten; /* frames of a pcap_broken session (write errors) */
	atomic_uint_fast64_t alerts[ALERT__MAX]; /* alerts written for this session, by type */
	atomic_uint_fast64_t silenced;           /* alerts analyzer.suppress kept out */
};

/*
 * session_watch: expect_traffic (sesswatch.c).  The watcher (the main
 * thread's 1 s timer, or -r's inline worker) owns start_ns and declares a
 * silence; the first frame after it, on any worker, or else the watcher
 * ends it: whoever clears `silent` (compare-and-swap) writes the line.
 */
struct session_watch {
	atomic_int silent;       /* 1: a session_silent warning is out, traffic not seen since */
	_Atomic int64_t from_ns; /* the silence counts from here: last frame or watch start */
	_Atomic int64_t last_ns; /* the last frame before the silence, 0 = none since start */
	int64_t start_ns;        /* when the watcher first saw the session (0: not yet) */
};

struct session {
	uint32_t vni;                              /* immutable */
	char name[CONFIG_NAME_MAX];                /* immutable (a rename makes a new session) */
	_Atomic(const struct session_conf *) conf; /* into a config, or &own */
	struct session_conf own;                   /* the conf of an automatic session */
	bool auto_created;
	bool retired;                     /* replaced or removed by a reload */
	unsigned retired_gen;             /* the table generation that no longer has it */
	struct pcapring *ring;            /* NULL: pcap off, the directory failed, or closed */
	bool pcap_broken;                 /* pcap on, but its directory could not be opened */
	struct pcapring_stats ring_final; /* the ring's counters when it was closed */
	struct pcapring_fs *ring_fs;      /* after that: its files_rotated/deleted go on */
	struct session_counters c;
	struct session_watch watch;
	struct session_shard shard[SESSION_SHARDS]; /* aligned: sessions are aligned_alloc'd */
};

struct session_table {
	pthread_mutex_t mu;
	const struct config *cfg; /* the config the table was last built from */
	atomic_uint gen;          /* bumped by every reload */
	struct session **v;       /* live sessions */
	size_t n, cap;
	struct session **old; /* retired sessions, until no worker can still use them */
	size_t nold, oldcap;
	struct session **gone; /* freed retired sessions: counters only, one per name and VNI */
	size_t ngone, gonecap;
	size_t nauto;
	atomic_uint_fast64_t auto_refused; /* unknown VNIs beyond SESSIONS_AUTO_MAX */
	/* completed: every ring's pcapring_conf.completed (the housekeeper) */
	void (*completed)(void *arg, const char *session, const char *path);
	void *completed_arg;
	/* defer: every ring's pcapring_conf.defer (the housekeeper's queue) */
	int (*defer)(void *arg, void (*fn)(void *), void *ctx);
};

/* sessions_new: one session per configured session, rings opened (stale
 * .part files recovered first).  `completed` and `defer` (both may be NULL)
 * are given to every ring with `arg`. */
struct session_table *sessions_new(const struct config *,
                                   void (*completed)(void *, const char *, const char *),
                                   int (*defer)(void *, void (*)(void *), void *), void *arg);
/* sessions_rotate: complete the open pcap file of the session `name` now
 * (the disk budget's early rotation); false when there is no such ring. */
bool sessions_rotate(struct session_table *, const char *name);
void sessions_free(struct session_table *);

/* session_conf_get: the session's current configuration. */
static inline const struct session_conf *session_conf_get(const struct session *s)
{
	return atomic_load_explicit(&s->conf, memory_order_acquire);
}

/* session_shard_of: the shard worker `id` writes. */
static inline struct session_shard *session_shard_of(struct session *s, int id)
{
	return &s->shard[(unsigned)id % SESSION_SHARDS];
}

/* session_totals_get: the per-packet counters of `s`, summed over shards. */
void session_totals_get(const struct session *s, struct session_totals *t);
/* session_last_ns: packet time of the session's latest frame, 0 = none yet. */
int64_t session_last_ns(const struct session *s);

/* sessions_get: the session of `vni`, created when unknown_vni is auto;
 * NULL when the VNI is dropped. */
struct session *sessions_get(struct session_table *, uint32_t vni);
/* sessions_plain: the session for plain frames of an offline capture:
 * `name` (or the config's offline_session) if set, else an auto session "capture". */
struct session *sessions_plain(struct session_table *, const char *name);

/*
 * sessions_reload: apply a new (valid) config: sessions added, removed or
 * changed take effect.  `old` is the config in force; both must outlive
 * the table.  Logs one line per change.
 */
void sessions_reload(struct session_table *, const struct config *old, const struct config *cfg);

/* sessions_close: close every pcap ring (flush, rename), keeping its counters. */
void sessions_close(struct session_table *);
/*
 * sessions_reclaim: free what reloads retired once no worker can still use
 * it: every worker has passed a quiescent point (its 1 s timer, between
 * datagrams) at table generation `safe` or later.  The ring is closed (its
 * 256 KiB buffer freed) and the counters are kept, summed per name and VNI,
 * for /metrics and the summary.  Returns how many were freed.
 */
size_t sessions_reclaim(struct session_table *, unsigned safe);
/* sessions_gen: the table generation now (bumped by every reload). */
unsigned sessions_gen(struct session_table *);
/* gen_before: generation a is older than b (wraps like TCP sequence numbers). */
static inline bool gen_before(unsigned a, unsigned b)
{
	return (int)(a - b) < 0;
}

/* session_pcap_failing: pcap is on and cannot be written: its directory
 * failed at open, or the ring backs off after a write error. */
bool session_pcap_failing(struct session *);
/* sessions_pcap_broken: live sessions whose pcap directory failed at open;
 * the first one's name goes to `first`. */
size_t sessions_pcap_broken(struct session_table *, char *first, size_t len);
/* session_pcap_stats: the ring's counters, live or as closed. */
void session_pcap_stats(struct session *, struct pcapring_stats *);
/* sessions_foreach: call fn for every session, live then retired, under the lock. */
void sessions_foreach(struct session_table *, void (*fn)(struct session *, void *), void *arg);
/* sessions_foreach_live: the same for the live sessions only. */
void sessions_foreach_live(struct session_table *, void (*fn)(struct session *, void *), void *arg);

void sessions_tick(struct session_table *, const struct timespec *now);
void sessions_flush(struct session_table *);

#endif
