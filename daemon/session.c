/*
 * session.c - the run-time session table: VNI -> session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vxmirror/log.h"
#include "vxmirror/session.h"
#include "vxmirror/util.h"

/* session_open_ring: recover stale .part files, then open the pcap ring. */
static void session_open_ring(struct session_table *t, struct session *s)
{
	const struct config *cfg = t->cfg;
	struct pcapring_conf pc = {
	    .dir = cfg->pcap_dir,
	    .session = s->conf.name,
	    .rotate_size = cfg->pcap.rotate_size,
	    .rotate_interval = cfg->pcap.rotate_interval,
	    .keep_files = cfg->pcap.keep_files,
	    .snaplen = cfg->pcap.snaplen,
	};
	int n;

	if (!s->conf.pcap)
		return;
	n = pcapring_recover(cfg->pcap_dir, s->conf.name);
	if (n > 0)
		log_warnx("session %s: kept %d unfinished pcap file%s from an earlier run as "
		          "*.recovered.pcap",
		          s->conf.name, n, n == 1 ? "" : "s");
	s->ring = pcapring_open(&pc);
	if (s->ring == NULL)
		log_warnx("session %s: pcap writing disabled (cannot open %s/%s)", s->conf.name,
		          cfg->pcap_dir, s->conf.name);
}

/* session_add: append a session built from `sc` (copied). */
static struct session *session_add(struct session_table *t, const struct session_conf *sc,
                                   bool is_auto)
{
	struct session *s = xcalloc(1, sizeof(*s));

	s->conf = *sc;
	s->auto_created = is_auto;
	session_open_ring(t, s);
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	t->v[t->n++] = s;
	return s;
}

struct session_table *sessions_new(const struct config *cfg)
{
	struct session_table *t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->mu, NULL);
	t->cfg = cfg;
	for (size_t i = 0; i < cfg->nsessions; i++)
		session_add(t, &cfg->sessions[i], false);
	return t;
}

void sessions_free(struct session_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i]->ring != NULL)
			pcapring_close(t->v[i]->ring);
		free(t->v[i]);
	}
	free(t->v);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/* find_locked: linear scan; only on a worker cache miss. */
static struct session *find_locked(struct session_table *t, uint32_t vni)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->conf.vni == vni)
			return t->v[i];
	return NULL;
}

/* auto_conf: the defaults for an automatically created session. */
static void auto_conf(struct session_conf *sc, const char *name, uint32_t vni)
{
	memset(sc, 0, sizeof(*sc));
	vx_strlcpy(sc->name, name, sizeof(sc->name));
	sc->vni = vni;
	sc->pcap = true;
}

struct session *sessions_get(struct session_table *t, uint32_t vni)
{
	struct session_conf sc;
	struct session *s;
	char name[CONFIG_NAME_MAX];

	pthread_mutex_lock(&t->mu);
	s = find_locked(t, vni);
	if (s == NULL && t->cfg->unknown_vni == UNKNOWN_VNI_AUTO) {
		if (t->nauto >= SESSIONS_AUTO_MAX) {
			t->auto_refused++;
		} else {
			snprintf(name, sizeof(name), "vni-%u", vni);
			auto_conf(&sc, name, vni);
			s = session_add(t, &sc, true);
			t->nauto++;
			log_info("session %s: created for unknown VNI %u (unknown_vni: auto)", name,
			         vni);
		}
	}
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
		if (name != NULL && strcmp(t->v[i]->conf.name, name) == 0)
			s = t->v[i];
		else if (name == NULL && t->v[i]->conf.vni == VNI_NONE)
			s = t->v[i];
	}
	if (s == NULL && name == NULL) {
		auto_conf(&sc, "capture", VNI_NONE);
		s = session_add(t, &sc, true);
	}
	pthread_mutex_unlock(&t->mu);
	return s;
}

void sessions_tick(struct session_table *t, const struct timespec *now)
{
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->ring != NULL)
			pcapring_tick(t->v[i]->ring, now);
	pthread_mutex_unlock(&t->mu);
}

void sessions_flush(struct session_table *t)
{
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->ring != NULL)
			pcapring_flush(t->v[i]->ring);
	pthread_mutex_unlock(&t->mu);
}

void sessions_close(struct session_table *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n; i++) {
		struct session *s = t->v[i];
		if (s->ring == NULL)
			continue;
		pcapring_finish(s->ring); /* completes the open file */
		pcapring_get_stats(s->ring, &s->ring_final);
		pcapring_close(s->ring);
		s->ring = NULL;
	}
	pthread_mutex_unlock(&t->mu);
}

void session_pcap_stats(struct session *s, struct pcapring_stats *ps)
{
	if (s->ring != NULL)
		pcapring_get_stats(s->ring, ps);
	else
		*ps = s->ring_final;
}
