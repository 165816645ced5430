/*
 * session.c - the run-time session table: VNI -> session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vxmirror/log.h"
#include "vxmirror/session.h"
#include "vxmirror/util.h"

/* session_open_ring: recover stale .part files, then open the pcap ring.
 * An automatic session is made on the packet path: its ring recovers and
 * scans through the housekeeper instead. */
static void session_open_ring(const struct session_table *t, const struct config *cfg,
                              struct session *s, bool pcap)
{
	struct pcapring_conf pc = {
	    .dir = cfg->pcap_dir,
	    .session = s->name,
	    .rotate_size = cfg->pcap.rotate_size,
	    .rotate_interval = cfg->pcap.rotate_interval,
	    .keep_files = cfg->pcap.keep_files,
	    .snaplen = cfg->pcap.snaplen,
	    .completed = t->completed,
	    .completed_arg = t->completed_arg,
	    .defer = t->defer,
	    .defer_arg = t->completed_arg,
	    .fresh = s->auto_created,
	};
	int n = 0;

	if (!pcap)
		return;
	if (!s->auto_created)
		n = pcapring_recover(cfg->pcap_dir, s->name);
	if (n > 0)
		log_warnx("session %s: kept %d unfinished pcap file%s from an earlier run as "
		          "*.recovered.pcap",
		          s->name, n, n == 1 ? "" : "s");
	s->ring = pcapring_open(&pc);
	s->pcap_broken = s->ring == NULL;
	if (s->ring == NULL)
		log_warnx("session %s: pcap writing disabled (cannot open %s/%s)", s->name,
		          cfg->pcap_dir, s->name);
}

/* push: append a session pointer to a growing array. */
static void push(struct session ***v, size_t *n, size_t *cap, struct session *s)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = s;
}

/* session_make: a session for `sc`; `own` copies sc into the session (auto). */
static struct session *session_make(struct session_table *t, const struct config *cfg,
                                    const struct session_conf *sc, bool is_auto)
{
	struct session *s = aligned_alloc(SESSION_LINE, sizeof(*s)); /* sizeof is a multiple */

	if (s == NULL)
		fatal("aligned_alloc %zu", sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->vni = sc->vni;
	vx_strlcpy(s->name, sc->name, sizeof(s->name));
	s->auto_created = is_auto;
	if (is_auto) {
		s->own = *sc;
		atomic_init(&s->conf, &s->own);
	} else
		atomic_init(&s->conf, sc);
	session_open_ring(t, cfg, s, sc->pcap);
	push(&t->v, &t->n, &t->cap, s);
	return s;
}

struct session_table *sessions_new(const struct config *cfg,
                                   void (*completed)(void *, const char *, const char *),
                                   int (*defer)(void *, void (*)(void *), void *), void *arg)
{
	struct session_table *t = xcalloc(1, sizeof(*t));

	t->completed = completed;
	t->defer = defer;
	t->completed_arg = arg;
	pthread_mutex_init(&t->mu, NULL);
	t->cfg = cfg;
	atomic_init(&t->gen, 1);
	for (size_t i = 0; i < cfg->nsessions; i++)
		session_make(t, cfg, &cfg->sessions[i], false);
	return t;
}

/* session_free: close the ring and free the object. */
static void session_free(struct session *s)
{
	if (s->ring != NULL)
		pcapring_close(s->ring);
	pcapring_fs_put(s->ring_fs);
	free(s);
}

void sessions_free(struct session_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		session_free(t->v[i]);
	for (size_t i = 0; i < t->nold; i++)
		session_free(t->old[i]);
	for (size_t i = 0; i < t->ngone; i++)
		session_free(t->gone[i]);
	free(t->v);
	free(t->old);
	free(t->gone);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/* find_locked: index of the live session of `vni`, or -1. */
static ssize_t find_locked(struct session_table *t, uint32_t vni)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->vni == vni)
			return (ssize_t)i;
	return -1;
}

/* auto_conf: the defaults for an automatically created session. */
static void auto_conf(struct session_conf *sc, const char *name, uint32_t vni)
{
	memset(sc, 0, sizeof(*sc));
	vx_strlcpy(sc->name, name, sizeof(sc->name));
	sc->vni = vni;
	sc->pcap = true;
}

/* create_auto_locked: "vni-<N>" for an unknown VNI, within the limit. */
static struct session *create_auto_locked(struct session_table *t, uint32_t vni)
{
	struct session_conf sc;
	char name[CONFIG_NAME_MAX];

	if (t->nauto >= SESSIONS_AUTO_MAX) {
		atomic_fetch_add_explicit(&t->auto_refused, 1, memory_order_relaxed);
		return NULL;
	}
	snprintf(name, sizeof(name), "vni-%u", vni);
	auto_conf(&sc, name, vni);
	t->nauto++;
	log_info("session %s: created for unknown VNI %u (unknown_vni: auto)", name, vni);
	return session_make(t, t->cfg, &sc, true);
}

struct session *sessions_get(struct session_table *t, uint32_t vni)
{
	struct session *s = NULL;
	ssize_t i;

	pthread_mutex_lock(&t->mu);
	i = find_locked(t, vni);
	if (i >= 0)
		s = t->v[i];
	else if (t->cfg->unknown_vni == UNKNOWN_VNI_AUTO && vni != VNI_NONE)
		s = create_auto_locked(t, vni);
	pthread_mutex_unlock(&t->mu);
	return s;
}

struct session *sessions_plain(struct session_table *t, const char *name)
{
	struct session_conf sc;
	struct session *s = NULL;

	if (name == NULL)
		name = t->cfg->offline_session;
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n && s == NULL; i++) {
		if (name != NULL && strcmp(t->v[i]->name, name) == 0)
			s = t->v[i];
		else if (name == NULL && t->v[i]->vni == VNI_NONE)
			s = t->v[i];
	}
	if (s == NULL && name == NULL) {
		auto_conf(&sc, "capture", VNI_NONE);
		s = session_make(t, t->cfg, &sc, true);
	}
	pthread_mutex_unlock(&t->mu);
	return s;
}

/* retire_locked: seal live session i and move it to the retired list. */
static void retire_locked(struct session_table *t, size_t i, const char *why)
{
	struct session *s = t->v[i];

	log_info("session %s (VNI %u): %s", s->name, s->vni, why);
	s->retired = true;
	/* sessions_reload bumps gen once, after every retire_locked */
	s->retired_gen = atomic_load_explicit(&t->gen, memory_order_relaxed) + 1;
	if (s->ring != NULL)
		pcapring_seal(s->ring);
	if (s->auto_created && s->vni != VNI_NONE)
		t->nauto--;
	push(&t->old, &t->nold, &t->oldcap, s);
	t->v[i] = t->v[--t->n];
}

/* pcap_settings_changed: anything that needs the rings reopened. */
static bool pcap_settings_changed(const struct config *a, const struct config *b)
{
	return strcmp(a->pcap_dir, b->pcap_dir) != 0 ||
	       memcmp(&a->pcap, &b->pcap, sizeof(a->pcap)) != 0;
}

/* mtu_changed: path MTU or routes differ. */
static bool mtu_changed(const struct session_conf *a, const struct session_conf *b)
{
	if (a->path_mtu != b->path_mtu || a->nroutes != b->nroutes)
		return true;
	for (size_t i = 0; i < a->nroutes; i++)
		if (a->routes[i].mtu != b->routes[i].mtu ||
		    a->routes[i].prefix.plen != b->routes[i].prefix.plen ||
		    !addr_eq(&a->routes[i].prefix.addr, &b->routes[i].prefix.addr))
			return true;
	return false;
}

/* watch_carry: `to` replaces `from` (a reload): it is watched on from where
 * `from` was, and a silence in progress stays one (sesswatch.c).  The flag
 * moves, so a worker still on `from` cannot end it a second time. */
static void watch_carry(struct session *to, struct session *from)
{
	int64_t last = session_last_ns(from);

	to->watch.start_ns = last > from->watch.start_ns ? last : from->watch.start_ns;
	atomic_store(&to->watch.from_ns, atomic_load(&from->watch.from_ns));
	atomic_store(&to->watch.last_ns, atomic_load(&from->watch.last_ns));
	atomic_store(&to->watch.silent, atomic_exchange(&from->watch.silent, 0));
}

/* reload_one: bring the live session of sc->vni in line with sc. */
static void reload_one(struct session_table *t, const struct config *cfg,
                       const struct session_conf *sc, bool rings_changed)
{
	ssize_t i = find_locked(t, sc->vni);
	struct session *s = i >= 0 ? t->v[i] : NULL, *n;

	if (s != NULL && !s->auto_created && !rings_changed && strcmp(s->name, sc->name) == 0 &&
	    session_conf_get(s)->pcap == sc->pcap) {
		if (mtu_changed(session_conf_get(s), sc))
			log_info("session %s (VNI %u): path MTU settings changed", s->name, s->vni);
		atomic_store_explicit(&s->conf, sc, memory_order_release);
		return;
	}
	if (s != NULL)
		retire_locked(t, (size_t)i, "replaced by the new configuration");
	n = session_make(t, cfg, sc, false);
	if (s != NULL)
		watch_carry(n, s);
	log_info("session %s (VNI %u): %s", sc->name, sc->vni, s != NULL ? "reopened" : "added");
}

void sessions_reload(struct session_table *t, const struct config *old, const struct config *cfg)
{
	bool rings = pcap_settings_changed(old, cfg);

	pthread_mutex_lock(&t->mu);
	t->cfg = cfg;
	for (size_t i = 0; i < cfg->nsessions; i++)
		reload_one(t, cfg, &cfg->sessions[i], rings);
	for (size_t i = t->n; i-- > 0;) {
		struct session *s = t->v[i];
		if (s->auto_created) {
			if (s->vni != VNI_NONE && (cfg->unknown_vni == UNKNOWN_VNI_DROP || rings))
				retire_locked(t, i, "automatic session closed by the reload");
		} else if (config_find_vni(cfg, s->vni) == NULL)
			retire_locked(t, i, "removed from the configuration");
	}
	atomic_fetch_add_explicit(&t->gen, 1, memory_order_release);
	pthread_mutex_unlock(&t->mu);
}

unsigned sessions_gen(struct session_table *t)
{
	return atomic_load_explicit(&t->gen, memory_order_acquire);
}

/* close_ring: complete the open file, keep the ring's final counters, free it. */
static void close_ring(struct session *s)
{
	if (s->ring == NULL)
		return;
	pcapring_finish(s->ring);
	pcapring_get_stats(s->ring, &s->ring_final);
	/* work it deferred may still complete and delete files: counted from ring_fs */
	s->ring_final.files_rotated = s->ring_final.files_deleted = 0;
	s->ring_fs = pcapring_fs_get(s->ring);
	pcapring_close(s->ring);
	s->ring = NULL;
}

/* closed_stats: the counters of a closed ring (or of none). */
static void closed_stats(const struct session *s, struct pcapring_stats *ps)
{
	uint64_t rot = 0, del = 0;

	*ps = s->ring_final;
	if (s->ring_fs != NULL)
		pcapring_fs_counts(s->ring_fs, &rot, &del);
	ps->files_rotated += rot;
	ps->files_deleted += del;
}

void session_totals_get(const struct session *s, struct session_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < SESSION_SHARDS; i++) {
		const struct session_shard *h = &s->shard[i];

		t->packets += atomic_load_explicit(&h->packets, memory_order_relaxed);
		t->bytes += atomic_load_explicit(&h->bytes, memory_order_relaxed);
		t->truncated += atomic_load_explicit(&h->truncated, memory_order_relaxed);
		t->decode_errors += atomic_load_explicit(&h->decode_errors, memory_order_relaxed);
		t->pcap_filtered += atomic_load_explicit(&h->pcap_filtered, memory_order_relaxed);
	}
}

int64_t session_last_ns(const struct session *s)
{
	int64_t last = 0;

	for (int i = 0; i < SESSION_SHARDS; i++) {
		int64_t v = atomic_load_explicit(&s->shard[i].last_ns, memory_order_relaxed);
		if (v > last)
			last = v;
	}
	return last;
}

/* add_counts: fold the counters of `from` into `into`. */
static void add_counts(struct session *into, const struct session *from)
{
	struct pcapring_stats *a = &into->ring_final, bs, *b = &bs;
	struct session_totals ft;

	closed_stats(from, &bs);
	session_totals_get(from, &ft);
	atomic_fetch_add(&into->shard[0].packets, ft.packets);
	atomic_fetch_add(&into->shard[0].bytes, ft.bytes);
	atomic_fetch_add(&into->shard[0].truncated, ft.truncated);
	atomic_fetch_add(&into->shard[0].decode_errors, ft.decode_errors);
	atomic_fetch_add(&into->shard[0].pcap_filtered, ft.pcap_filtered);
	atomic_fetch_add(&into->c.pcap_unwritten, atomic_load(&from->c.pcap_unwritten));
	for (int k = 0; k < ALERT__MAX; k++)
		atomic_fetch_add(&into->c.alerts[k], atomic_load(&from->c.alerts[k]));
	atomic_fetch_add(&into->c.silenced, atomic_load(&from->c.silenced));
	a->packets += b->packets;
	a->bytes += b->bytes;
	a->files_rotated += b->files_rotated;
	a->files_deleted += b->files_deleted;
	a->write_errors += b->write_errors;
	into->pcap_broken |= from->pcap_broken;
}

size_t sessions_reclaim(struct session_table *t, unsigned safe)
{
	size_t freed = 0;

	pthread_mutex_lock(&t->mu);
	for (size_t i = t->nold; i-- > 0;) {
		struct session *s = t->old[i], *g = NULL;
		if (gen_before(safe, s->retired_gen)) /* a worker may still hold it */
			continue;
		close_ring(s); /* sealed: completes the last file, frees its buffer */
		/* its conf may point into a config that is freed next: keep a copy without routes
		 */
		s->own = *session_conf_get(s);
		s->own.routes = NULL;
		s->own.nroutes = 0;
		s->own.pcap_filter = NULL;
		s->own.filter = NULL;
		atomic_store(&s->conf, &s->own);
		for (size_t j = 0; j < t->ngone && g == NULL; j++)
			if (t->gone[j]->vni == s->vni && strcmp(t->gone[j]->name, s->name) == 0)
				g = t->gone[j];
		if (g != NULL) {
			add_counts(g, s);
			session_free(s);
		} else
			push(&t->gone, &t->ngone, &t->gonecap, s);
		t->old[i] = t->old[--t->nold];
		freed++;
	}
	pthread_mutex_unlock(&t->mu);
	return freed;
}

void sessions_close(struct session_table *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n + t->nold; i++)
		close_ring(i < t->n ? t->v[i] : t->old[i - t->n]);
	pthread_mutex_unlock(&t->mu);
}

bool session_pcap_failing(struct session *s)
{
	if (s->retired)
		return false;
	return s->pcap_broken || (s->ring != NULL && pcapring_failing(s->ring));
}

size_t sessions_pcap_broken(struct session_table *t, char *first, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n; i++) {
		if (!t->v[i]->pcap_broken)
			continue;
		if (n++ == 0 && first != NULL)
			vx_strlcpy(first, t->v[i]->name, len);
	}
	pthread_mutex_unlock(&t->mu);
	return n;
}

void session_pcap_stats(struct session *s, struct pcapring_stats *ps)
{
	if (s->ring != NULL)
		pcapring_get_stats(s->ring, ps);
	else
		closed_stats(s, ps);
	ps->write_errors += atomic_load(&s->c.pcap_unwritten);
}

bool sessions_rotate(struct session_table *t, const char *name)
{
	bool found = false;

	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n && !found; i++) {
		if (strcmp(t->v[i]->name, name) == 0 && t->v[i]->ring != NULL) {
			pcapring_finish(t->v[i]->ring);
			found = true;
		}
	}
	pthread_mutex_unlock(&t->mu);
	return found;
}

void sessions_foreach(struct session_table *t, void (*fn)(struct session *, void *), void *arg)
{
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n; i++)
		fn(t->v[i], arg);
	for (size_t i = 0; i < t->nold; i++)
		fn(t->old[i], arg);
	for (size_t i = 0; i < t->ngone; i++)
		fn(t->gone[i], arg);
	pthread_mutex_unlock(&t->mu);
}

void sessions_foreach_live(struct session_table *t, void (*fn)(struct session *, void *), void *arg)
{
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n; i++)
		fn(t->v[i], arg);
	pthread_mutex_unlock(&t->mu);
}

/* each_ring: fn on every live ring. */
static void each_ring(struct session_table *t, void (*fn)(struct pcapring *, const void *),
                      const void *arg)
{
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->ring != NULL)
			fn(t->v[i]->ring, arg);
	pthread_mutex_unlock(&t->mu);
}

static void ring_tick(struct pcapring *r, const void *now)
{
	pcapring_tick(r, now);
}

static void ring_flush(struct pcapring *r, const void *unused)
{
	(void)unused;
	pcapring_flush(r);
}

void sessions_tick(struct session_table *t, const struct timespec *now)
{
	each_ring(t, ring_tick, now);
}

void sessions_flush(struct session_table *t)
{
	each_ring(t, ring_flush, NULL);
}
