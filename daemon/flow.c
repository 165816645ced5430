/*
 * flow.c - the analyzer's bidirectional flow table (see flow.h).
 * The tracked-segment state machine of pmtud_blackhole is in segtrack.c.
 *
 * A chained hash over entries allocated in chunks (so pointers stay valid
 * and nothing is allocated per packet), keyed with SipHash-1-3 under a
 * random per-table key: the keys come from mirrored traffic, so an
 * attacker must not be able to pick ports that pile into one bucket.
 * Two intrusive LRU lists (open, closed) give O(1) eviction and expiry
 * that only looks at list tails.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vxmirror/flow.h"
#include "vxmirror/hash.h"
#include "vxmirror/segtrack.h"
#include "vxmirror/util.h"

static_assert(sizeof(struct flow_key) == 44, "struct flow_key must have no implicit padding");
/*
 * 272 bytes per entry on LP64 (x86_64, aarch64), plus one 8-byte bucket
 * pointer per entry: about 280 MB for a million flows.  The figure is
 * quoted in flow.h and the README; keep them in step.
 */
static_assert(sizeof(struct flow) <= 288, "struct flow over its 288-byte budget");

#define BUCKETS_MAX (1u << 26) /* beyond this, chains grow instead */

enum { LIST_FREE = 0, LIST_OPEN, LIST_CLOSED };

struct flow_list {
	struct flow *head, *tail; /* head = most recently used */
	uint64_t n;
};

struct flow_table {
	struct flow **buckets;
	uint32_t mask;
	uint32_t max_flows;
	struct flow **chunks;
	uint32_t nchunks;
	uint32_t allocated; /* entries in all chunks */
	struct flow *free;  /* unused entries, linked through hnext */
	struct flow_list open, closed;
	uint64_t k0, k1; /* SipHash key */
	uint64_t created, evicted, expired;
};

static uint32_t key_hash(const struct flow_table *t, const struct flow_key *k)
{
	return (uint32_t)siphash13((const uint8_t *)k, sizeof(*k), t->k0, t->k1);
}

/* hash_seed: a random SipHash key for this table. */
static void hash_seed(struct flow_table *t)
{
	uint64_t k[2];

	hash_key_random(k, t);
	t->k0 = k[0];
	t->k1 = k[1];
}

struct flow_table *flow_table_new(uint32_t max_flows)
{
	struct flow_table *t = xcalloc(1, sizeof(*t));
	uint64_t nb = 16;

	if (max_flows == 0)
		max_flows = 1;
	while (nb < max_flows && nb < BUCKETS_MAX)
		nb <<= 1;
	t->buckets = xcalloc(nb, sizeof(*t->buckets));
	t->mask = (uint32_t)(nb - 1);
	t->max_flows = max_flows;
	t->chunks = xcalloc((max_flows + FLOW_CHUNK - 1) / FLOW_CHUNK, sizeof(*t->chunks));
	hash_seed(t);
	return t;
}

void flow_table_free(struct flow_table *t)
{
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->buckets);
	free(t);
}

static struct flow_list *list_of(struct flow_table *t, const struct flow *f)
{
	return f->list == LIST_CLOSED ? &t->closed : &t->open;
}

static void list_unlink(struct flow_list *l, struct flow *f)
{
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		l->head = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = NULL;
	l->n--;
}

static void list_push(struct flow_list *l, struct flow *f)
{
	f->prev = NULL;
	f->next = l->head;
	if (l->head != NULL)
		l->head->prev = f;
	else
		l->tail = f;
	l->head = f;
	l->n++;
}

/* table_grow: allocate the next chunk of entries onto the free list. */
static void table_grow(struct flow_table *t)
{
	uint32_t n = MIN((uint32_t)FLOW_CHUNK, t->max_flows - t->allocated);
	struct flow *c = xcalloc(n, sizeof(*c));

	t->chunks[t->nchunks++] = c;
	t->allocated += n;
	for (uint32_t i = n; i-- > 0;) {
		c[i].hnext = t->free;
		t->free = &c[i];
	}
}

/* flow_remove: take `f` out of its bucket and list, onto the free list. */
static void flow_remove(struct flow_table *t, struct flow *f)
{
	struct flow **pp = &t->buckets[f->hash & t->mask];

	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	list_unlink(list_of(t, f), f);
	f->list = LIST_FREE;
	f->hnext = t->free;
	t->free = f;
}

/* flow_alloc: a free entry; grows the table, else recycles the LRU entry. */
static struct flow *flow_alloc(struct flow_table *t)
{
	struct flow *f;

	if (t->free == NULL && t->allocated < t->max_flows)
		table_grow(t);
	if (t->free == NULL) {
		/* A closed flow is worth less than any open one. */
		flow_remove(t, t->closed.tail != NULL ? t->closed.tail : t->open.tail);
		t->evicted++;
	}
	f = t->free;
	t->free = f->hnext;
	return f;
}

int flow_key_set(struct flow_key *k, uint32_t vni, uint8_t proto, const struct addr *src,
                 uint16_t sport, const struct addr *dst, uint16_t dport)
{
	int c = addr_cmp(src, dst);
	int side = c > 0 || (c == 0 && sport > dport);
	const struct addr *a = side ? dst : src, *b = side ? src : dst;
	size_t alen = src->family == AF_INET ? 4 : 16;

	/* Copy only the address bytes, so stray bytes never split a flow. */
	memset(k, 0, sizeof(*k));
	k->vni = vni;
	k->proto = proto;
	k->a.family = a->family;
	memcpy(k->a.a, a->a, alen);
	k->b.family = b->family;
	memcpy(k->b.a, b->a, alen);
	k->port_a = side ? dport : sport;
	k->port_b = side ? sport : dport;
	return side;
}

int flow_key_make(struct flow_key *k, uint32_t vni, const struct packet *pkt)
{
	bool ports = packet_has_ports(pkt);

	return flow_key_set(k, vni, pkt->proto, &pkt->src, ports ? pkt->sport : 0, &pkt->dst,
	                    ports ? pkt->dport : 0);
}

const struct addr *flow_side_addr(const struct flow *f, int side, uint16_t *port)
{
	if (port != NULL)
		*port = side ? f->key.port_b : f->key.port_a;
	return side ? &f->key.b : &f->key.a;
}

static struct flow *chain_find(struct flow_table *t, const struct flow_key *k, uint32_t h)
{
	for (struct flow *f = t->buckets[h & t->mask]; f != NULL; f = f->hnext)
		if (f->hash == h && memcmp(&f->key, k, sizeof(*k)) == 0)
			return f;
	return NULL;
}

struct flow *flow_lookup(struct flow_table *t, const struct flow_key *k)
{
	return chain_find(t, k, key_hash(t, k));
}

void flow_touch(struct flow_table *t, struct flow *f, int64_t now_ns)
{
	struct flow_list *l = list_of(t, f);

	if (now_ns > f->last_ns)
		f->last_ns = now_ns;
	if (l->head != f) {
		list_unlink(l, f);
		list_push(l, f);
	}
}

struct flow *flow_get(struct flow_table *t, const struct flow_key *k, int64_t now_ns, bool *created)
{
	uint32_t h = key_hash(t, k);
	struct flow *f = chain_find(t, k, h);

	*created = f == NULL;
	if (f != NULL) {
		flow_touch(t, f, now_ns);
		return f;
	}
	f = flow_alloc(t);
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->hash = h;
	f->first_ns = f->last_ns = now_ns;
	f->initiator = FLOW_SIDE_UNKNOWN;
	f->list = LIST_OPEN;
	f->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = f;
	list_push(&t->open, f);
	t->created++;
	return f;
}

/* flow_move: put `f` at the head of list `to`. */
static void flow_move(struct flow_table *t, struct flow *f, uint8_t to)
{
	list_unlink(list_of(t, f), f);
	f->list = to;
	list_push(list_of(t, f), f);
}

/* flow_restart: a new connection on the same key; forget the old one. */
static void flow_restart(struct flow_table *t, struct flow *f, int64_t now_ns)
{
	memset(f->side, 0, sizeof(f->side));
	f->state = 0;
	f->initiator = FLOW_SIDE_UNKNOWN;
	f->first_ns = now_ns;
	if (f->list == LIST_CLOSED)
		flow_move(t, f, LIST_OPEN);
}

static void account_mss(struct flow_side *s, const struct packet *pkt)
{
	s->flags &= (uint32_t) ~(FS_HAS_MSS | FS_MSS_UNKNOWN);
	/* Options cut by the mirror: "no MSS seen" is not "no MSS sent". */
	if (pkt->flags & PKT_L4_TRUNCATED) {
		s->flags |= FS_MSS_UNKNOWN;
	} else if (pkt->flags & PKT_HAS_MSS) {
		s->mss = pkt->tcp_mss;
		s->flags |= FS_HAS_MSS;
	}
}

static void account_seq(struct flow_side *s, const struct packet *pkt)
{
	uint8_t th = pkt->tcp_flags;
	uint32_t end = pkt->seq + pkt->payload_len + !!(th & TH_SYN) + !!(th & TH_FIN);

	if (!(s->flags & FS_SEQ) || seq_after(end, s->seq_next))
		s->seq_next = end;
	s->flags |= FS_SEQ;
	if (!(th & TH_ACK))
		return;
	if (!(s->flags & FS_ACK) || seq_after(pkt->ack, s->ack_max))
		s->ack_max = pkt->ack;
	s->flags |= FS_ACK;
}

static void account_tcp(struct flow_table *t, struct flow *f, int side, const struct packet *pkt)
{
	struct flow_side *s = &f->side[side], *peer = &f->side[!side];
	uint8_t th = pkt->tcp_flags;

	if ((th & (TH_SYN | TH_ACK)) == TH_SYN) {
		account_mss(s, pkt);
		s->flags |= FS_SYN;
		f->initiator = (uint8_t)side;
	} else if (th & TH_SYN) {
		account_mss(s, pkt);
		s->flags |= FS_SYNACK;
		if (peer->flags & FS_SYN)
			f->state |= FLOW_HANDSHAKE;
	}
	segtrack_segment(s, peer, pkt);
	if ((th & TH_ACK) && !(th & (TH_SYN | TH_RST))) {
		segtrack_ack(peer, pkt->ack);
		if (pkt->nsack != 0)
			segtrack_sack(peer, pkt);
		if (pkt->tcp_win == 0)
			s->flags |= FS_ZERO_WIN;
		else
			s->flags &= (uint32_t)~FS_ZERO_WIN;
	}
	account_seq(s, pkt);
	if (th & TH_FIN)
		s->flags |= FS_FIN;
	if (th & TH_RST)
		s->flags |= FS_RST;
	/* One FIN is a half-close: the other side may send for a long time yet. */
	if (!(f->state & FLOW_CLOSED) &&
	    ((th & TH_RST) || ((s->flags & FS_FIN) && (peer->flags & FS_FIN)))) {
		f->state |= FLOW_CLOSED;
		flow_move(t, f, LIST_CLOSED);
	}
}

void flow_account(struct flow_table *t, struct flow *f, int side, const struct packet *pkt)
{
	struct flow_side *s = &f->side[side];
	/* PKT_HAS_L4: the fixed header is there, even if options were cut. */
	bool tcp =
	    f->key.proto == IPPROTO_TCP_ && pkt->proto == IPPROTO_TCP_ && (pkt->flags & PKT_HAS_L4);

	if (tcp && (pkt->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN &&
	    (f->state & (FLOW_HANDSHAKE | FLOW_CLOSED)))
		flow_restart(t, f, ts_ns(&pkt->ts));
	s->packets++;
	if (pkt->ip_len > s->max_ip_len)
		s->max_ip_len = pkt->ip_len;
	if (pkt->flags & PKT_DF)
		s->flags |= FS_DF;
	if (tcp)
		account_tcp(t, f, side, pkt);
}

/* expire_list: remove entries idle for `timeout` from the tail of `l`. */
static size_t expire_list(struct flow_table *t, struct flow_list *l, int64_t now_ns,
                          int64_t timeout)
{
	size_t n = 0;

	if (timeout <= 0)
		return 0;
	while (l->tail != NULL && now_ns - l->tail->last_ns >= timeout) {
		flow_remove(t, l->tail);
		n++;
	}
	return n;
}

size_t flow_expire(struct flow_table *t, int64_t now_ns, int64_t idle_ns, int64_t closed_ns)
{
	int64_t cl = closed_ns;
	size_t n;

	if (cl <= 0 || (idle_ns > 0 && idle_ns < cl))
		cl = idle_ns;
	n = expire_list(t, &t->closed, now_ns, cl) + expire_list(t, &t->open, now_ns, idle_ns);
	t->expired += n;
	return n;
}

void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *st)
{
	st->active = t->open.n + t->closed.n;
	st->created = t->created;
	st->evicted = t->evicted;
	st->expired = t->expired;
	st->capacity = t->allocated;
}
