/*
 * pathmap.c - the passive path-MTU map (pathmap.h): a hash table of fixed
 * entries keyed by (VNI, destination), with an LRU list for the bound.
 * Entries are allocated as the table fills, up to max_paths, then the
 * least recently used one is recycled: a new destination never allocates
 * once the table is full.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "vxmirror/hash.h"
#include "vxmirror/pathmap.h"
#include "vxmirror/util.h"

struct path_entry {
	struct path_entry *hnext;    /* hash chain */
	TAILQ_ENTRY(path_entry) lru; /* most recent at the head */
	struct path_rec rec;
};

/* 96 bytes per entry on LP64, plus one 8-byte bucket pointer: the README
 * quotes it; keep them in step. */
#define PATH_ENTRY_BYTES 96
static_assert(sizeof(struct path_entry) <= PATH_ENTRY_BYTES, "path entry over its budget");

#define BUCKETS_MAX (1u << 24)

struct path_table {
	struct path_entry **buckets;
	uint32_t nbuckets; /* a power of two */
	uint32_t max, n;
	TAILQ_HEAD(path_lru, path_entry) lru;
	uint64_t k0, k1;
	uint64_t evicted, ptb_impossible;
};

struct path_table *path_table_new(uint32_t max_paths)
{
	struct path_table *t = xcalloc(1, sizeof(*t));
	uint64_t k[2];

	t->max = max_paths == 0 ? 1 : max_paths;
	t->nbuckets = 16;
	while (t->nbuckets < t->max && t->nbuckets < BUCKETS_MAX)
		t->nbuckets <<= 1;
	t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
	TAILQ_INIT(&t->lru);
	hash_key_random(k, t);
	t->k0 = k[0];
	t->k1 = k[1];
	return t;
}

void path_table_free(struct path_table *t)
{
	struct path_entry *e;

	if (t == NULL)
		return;
	while ((e = TAILQ_FIRST(&t->lru)) != NULL) {
		TAILQ_REMOVE(&t->lru, e, lru);
		free(e);
	}
	free(t->buckets);
	free(t);
}

static uint32_t bucket(const struct path_table *t, uint32_t vni, const struct addr *dst)
{
	uint8_t key[4 + sizeof(*dst)];

	memcpy(key, &vni, 4);
	memcpy(key + 4, dst, sizeof(*dst));
	return (uint32_t)siphash13(key, sizeof(key), t->k0, t->k1) & (t->nbuckets - 1);
}

static bool same(const struct path_rec *r, uint32_t vni, const struct addr *dst)
{
	return r->vni == vni && addr_eq(&r->dst, dst);
}

static void hash_unlink(struct path_table *t, struct path_entry *e)
{
	struct path_entry **pp = &t->buckets[bucket(t, e->rec.vni, &e->rec.dst)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
}

struct path_rec *path_lookup(struct path_table *t, uint32_t vni, const struct addr *dst)
{
	struct path_entry *e;

	for (e = t->buckets[bucket(t, vni, dst)]; e != NULL; e = e->hnext)
		if (same(&e->rec, vni, dst))
			return &e->rec;
	return NULL;
}

struct path_rec *path_get(struct path_table *t, uint32_t vni, const struct addr *dst,
                          int64_t now_ns)
{
	uint32_t b = bucket(t, vni, dst);
	struct path_entry *e;

	for (e = t->buckets[b]; e != NULL; e = e->hnext) {
		if (same(&e->rec, vni, dst)) {
			if (TAILQ_FIRST(&t->lru) != e) {
				TAILQ_REMOVE(&t->lru, e, lru);
				TAILQ_INSERT_HEAD(&t->lru, e, lru);
			}
			return &e->rec;
		}
	}
	if (t->n < t->max) {
		e = xcalloc(1, sizeof(*e));
		t->n++;
	} else {
		e = TAILQ_LAST(&t->lru, path_lru); /* recycle the least recently used */
		hash_unlink(t, e);
		TAILQ_REMOVE(&t->lru, e, lru);
		t->evicted++;
		memset(e, 0, sizeof(*e));
	}
	e->rec.vni = vni;
	e->rec.dst = *dst;
	e->rec.first_ns = e->rec.last_ns = now_ns;
	e->hnext = t->buckets[b];
	t->buckets[b] = e;
	TAILQ_INSERT_HEAD(&t->lru, e, lru);
	return &e->rec;
}

static void evidence(struct path_rec *r, bool new_flow, int64_t now_ns)
{
	if (new_flow && r->flows < UINT32_MAX)
		r->flows++;
	if (now_ns < r->first_ns)
		r->first_ns = now_ns;
	if (now_ns > r->last_ns)
		r->last_ns = now_ns;
}

void path_passed(struct path_rec *r, uint32_t ip_len, bool new_flow, int64_t now_ns)
{
	r->passed_max = MAX(r->passed_max, ip_len);
	evidence(r, new_flow, now_ns);
}

void path_failed(struct path_rec *r, uint32_t ip_len, bool new_flow, int64_t now_ns)
{
	if (r->failed_min == 0 || ip_len < r->failed_min)
		r->failed_min = ip_len;
	evidence(r, new_flow, now_ns);
}

bool path_ptb(struct path_table *t, struct path_rec *r, uint32_t mtu, uint32_t quoted_len,
              bool new_flow, int64_t now_ns)
{
	uint32_t floor = r->dst.family == AF_INET6 ? 1280 : 68;

	if (mtu < floor || (quoted_len != 0 && mtu >= quoted_len)) {
		t->ptb_impossible++;
		return false;
	}
	if (r->ptb_mtu == 0 || mtu <= r->ptb_mtu) {
		r->ptb_mtu = mtu;
		r->ptb_ns = now_ns;
	}
	evidence(r, new_flow, now_ns);
	return true;
}

void path_table_get_stats(const struct path_table *t, struct path_table_stats *st)
{
	st->active = t->n;
	st->evicted = t->evicted;
	st->ptb_impossible = t->ptb_impossible;
}

void path_table_export(const struct path_table *t, struct path_rec **v, size_t *n, size_t *cap)
{
	const struct path_entry *e;

	TAILQ_FOREACH(e, &t->lru, lru)
	{
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*v = xreallocarray(*v, *cap, sizeof(**v));
		}
		(*v)[(*n)++] = e->rec;
	}
}

static int rec_cmp(const void *a, const void *b)
{
	const struct path_rec *x = a, *y = b;

	if (x->vni != y->vni)
		return x->vni < y->vni ? -1 : 1;
	return addr_cmp(&x->dst, &y->dst);
}

/* min0: the smaller of two sizes where 0 means none. */
static uint32_t min0(uint32_t a, uint32_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return MIN(a, b);
}

size_t path_recs_merge(struct path_rec *v, size_t n)
{
	size_t out = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), rec_cmp);
	for (size_t i = 1; i < n; i++) {
		struct path_rec *m = &v[out];

		if (rec_cmp(m, &v[i]) != 0) {
			v[++out] = v[i];
			continue;
		}
		m->passed_max = MAX(m->passed_max, v[i].passed_max);
		m->failed_min = min0(m->failed_min, v[i].failed_min);
		m->ptb_mtu = min0(m->ptb_mtu, v[i].ptb_mtu);
		m->flows += v[i].flows;
		m->first_ns = MIN(m->first_ns, v[i].first_ns);
		m->last_ns = MAX(m->last_ns, v[i].last_ns);
		m->ptb_ns = MAX(m->ptb_ns, v[i].ptb_ns);
		m->raised |= v[i].raised;
	}
	return out + 1;
}

void path_bounds(const struct path_rec *r, uint32_t *lo, uint32_t *hi, uint32_t *exact)
{
	*lo = r->passed_max;
	*hi = r->ptb_mtu;
	if (r->failed_min != 0 && (*hi == 0 || r->failed_min - 1 < *hi))
		*hi = r->failed_min - 1;
	if (*hi != 0 && *lo > *hi)
		*lo = *hi; /* contradictory evidence: trust the smaller */
	if (r->ptb_mtu != 0 && r->ptb_mtu >= *lo && r->ptb_mtu == *hi)
		*exact = r->ptb_mtu;
	else if (*hi != 0 && *lo == *hi)
		*exact = *hi;
	else
		*exact = 0;
}
