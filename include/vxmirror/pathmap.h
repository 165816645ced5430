/*
 * pathmap.h - the passive path-MTU map (pathmap.c): per session (VNI) and
 * destination address, what the traffic has proved about the path towards
 * that destination.  docs/paths.md has every field.
 *
 * One table per analyzer (per worker): no locks.  Entries are fixed in
 * size (PATH_ENTRY_BYTES, asserted) and bounded by analyzer.max_paths;
 * when the table is full the least recently updated entry is recycled and
 * counted.  Reports merge the workers' tables (path_recs_merge): the max
 * of passed_max, the min of failed_min and ptb_mtu, the sum of flows.
 */
#ifndef VXMIRROR_PATHMAP_H
#define VXMIRROR_PATHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vxmirror/addr.h"

/* path_entry.raised: path_mtu_mismatch kinds already raised for this entry */
#define PATH_RAISED_TOO_LOW  0x01
#define PATH_RAISED_TOO_HIGH 0x02

/* What is known about the path towards one destination.  Sizes are IP
 * lengths; 0 means "nothing seen". */
struct path_rec {
	uint32_t vni;
	struct addr dst;
	uint8_t raised;      /* PATH_RAISED_* */
	uint32_t passed_max; /* largest DF packet towards dst that dst acknowledged */
	uint32_t failed_min; /* smallest size towards dst that met the black-hole rule */
	uint32_t ptb_mtu;    /* smallest plausible next-hop MTU of a PTB for a flow towards dst */
	uint32_t flows;      /* flows that gave evidence */
	int64_t first_ns;    /* packet time of the first evidence */
	int64_t last_ns;     /* ... and of the latest */
	int64_t ptb_ns;      /* packet time of the latest PTB that set or confirmed ptb_mtu */
};

struct path_table;

struct path_table_stats {
	uint64_t active;         /* entries in the table */
	uint64_t evicted;        /* recycled because the table was full */
	uint64_t ptb_impossible; /* PTBs with an MTU no path has (ignored) */
};

struct path_table *path_table_new(uint32_t max_paths);
void path_table_free(struct path_table *);

/* path_get: the entry for (vni, dst), created if absent (recycling the
 * least recently used entry when full); marks it used at now_ns.  Never NULL. */
struct path_rec *path_get(struct path_table *, uint32_t vni, const struct addr *dst,
                          int64_t now_ns);
/* path_lookup: the entry if it exists (does not touch the LRU); may be NULL. */
struct path_rec *path_lookup(struct path_table *, uint32_t vni, const struct addr *dst);

/* Evidence; each counts as evidence at now_ns.  new_flow: the first
 * evidence this flow gives about this path (adds to flows). */
void path_passed(struct path_rec *, uint32_t ip_len, bool new_flow, int64_t now_ns);
void path_failed(struct path_rec *, uint32_t ip_len, bool new_flow, int64_t now_ns);
/* path_ptb: a PTB's MTU for a flow towards the destination, sent for a
 * packet of quoted_len bytes; false (and counted) when no path could have
 * that MTU: IPv4 below 68, IPv6 below 1280, not below the quoted length. */
bool path_ptb(struct path_table *, struct path_rec *, uint32_t mtu, uint32_t quoted_len,
              bool new_flow, int64_t now_ns);

void path_table_get_stats(const struct path_table *, struct path_table_stats *);

/* path_table_export: a copy of every entry, appended to *v (n entries,
 * capacity *cap; grown with xreallocarray). */
void path_table_export(const struct path_table *, struct path_rec **v, size_t *n, size_t *cap);

/* path_too_low: the evidence contradicts a configured MTU as too low: a DF
 * packet bigger than it got through (r may be NULL, mtu 0 = none). */
static inline bool path_too_low(const struct path_rec *r, uint32_t mtu)
{
	return r != NULL && mtu != 0 && r->passed_max > mtu;
}

/* path_bounds: what the evidence says the path MTU is: at least *lo (the
 * largest size that passed; 0 = nothing passed), at most *hi (a PTB's MTU,
 * or below the smallest black-holed size; 0 = no upper bound), exactly
 * *exact when a PTB says it or the bounds meet (else 0). */
void path_bounds(const struct path_rec *, uint32_t *lo, uint32_t *hi, uint32_t *exact);

/* path_recs_merge: sort v by (vni, dst) and fold the entries of one path
 * into one; returns the new count. */
size_t path_recs_merge(struct path_rec *v, size_t n);

#endif
