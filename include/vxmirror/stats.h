/*
 * stats.h - the counters of one worker.  Every datagram that reaches a
 * worker ends in exactly one of: dropped (not_allowed, bad_vxlan,
 * unknown_vni, oversize) or delivered to a session.  Summed over workers
 * for the stop summary (and /metrics).
 */
#ifndef VXMIRROR_STATS_H
#define VXMIRROR_STATS_H

#include <stdint.h>

/*
 * A worker is the only writer of its counters; the main thread reads them
 * for /metrics.  Relaxed atomic loads and stores (plain moves on x86) make
 * that well-defined without a locked read-modify-write per packet.
 */
#define STAT_ADD(f, n) __atomic_store_n(&(f), (f) + (n), __ATOMIC_RELAXED)
#define STAT_INC(f)    STAT_ADD(f, 1)
#define STAT_GET(f)    __atomic_load_n(&(f), __ATOMIC_RELAXED)

#include "vxmirror/analyzer.h"
#include "vxmirror/packet.h"

struct worker_stats {
	uint64_t datagrams;        /* UDP datagrams (or capture frames) in */
	uint64_t bytes;            /* their bytes */
	uint64_t not_allowed;      /* outer source outside allowed_sources */
	uint64_t bad_vxlan;        /* shorter than 8 bytes or no I flag */
	uint64_t unknown_vni;      /* VNI not configured and unknown_vni: drop (or auto limit) */
	uint64_t oversize;         /* datagram larger than the receive buffer (cut) */
	uint64_t not_vxlan;        /* offline: frame neither VXLAN nor plain-eligible */
	uint64_t bad_geneve;       /* GENEVE that is malformed or carries no VXLAN */
	uint64_t delivered;        /* inner frames handed to a session */
	uint64_t truncated;        /* inner packets cut short by the mirror */
	uint64_t decode[DEC__MAX]; /* inner decode results by error */
	uint64_t kernel_drops;     /* SO_RXQ_OVFL: dropped by the kernel before us */
	uint64_t session_lookups;  /* VNIs looked up in the shared session table (cache misses) */
	uint64_t wakeups;    /* live: socket read callbacks (the loop woke for a readable socket) */
	uint64_t recv_calls; /* live: recvmmsg() calls that returned at least one datagram */
};

#endif
