/*
 * analyzer.c - the streaming path-MTU analyzer (analyzer.h; the alert
 * schema and the exact rule of every alert type are in docs/alerts.md).
 *
 * Per packet: find or create its flow (TCP/UDP), account the packet on the
 * sending side (flow_account: sizes, seq/ack, MSS, the tracked segment),
 * then run the detections of detector_table[] (detector.h) in order.  This
 * file holds the analyzer, the per-packet context and the flow access the
 * detectors get through det_*(); building, deduplicating and emitting
 * alerts is alert.c.
 *
 * Every alert is deduplicated per flow, sending side and type: a flow's
 * two sides are two hosts, and each may need its own fix.  The exceptions
 * are documented: `fragmented` is rate-limited per session, and
 * pmtud_blackhole has one follow-up line when the sender falls back.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vxmirror/alert.h"
#include "vxmirror/analyzer.h"
#include "vxmirror/detector.h"
#include "vxmirror/flow.h"
#include "vxmirror/pathmap.h"
#include "vxmirror/util.h"

#define AN_MAX_SESSIONS 64 /* sessions remembered for cross-session evidence */

struct analyzer {
	struct analyzer_conf conf;
	struct alert_sink sink;
	struct flow_table *flows;
	struct path_table *paths; /* the path-MTU map (pathmap.h) */
	uint64_t path_limits;     /* paths with a failed size or a PTB MTU */
	void **dstate;            /* per detector_table[] entry: its state, or NULL */
	/* The sessions this analyzer has seen packets of (by VNI), so that a
	 * detection can look the same connection up in the other ones. */
	const struct session_conf *last_sess;
	uint32_t last_vni;
	int last_idx; /* its index in sess[], or -1 */
	int nsess;
	struct det_session sess[AN_MAX_SESSIONS];
};

#define TIMEOUT_MAX_S (INT64_MAX / 1000000000)

struct analyzer *analyzer_new(const struct analyzer_conf *conf, analyzer_alert_cb cb, void *arg)
{
	struct analyzer *an = xcalloc(1, sizeof(*an));

	/* The defaults live in config.c alone; a loaded config has every key. */
	if (conf != NULL)
		an->conf = *conf;
	else
		config_analyzer_defaults(&an->conf);
	an->sink.cb = cb;
	an->sink.arg = arg;
	an->flows = flow_table_new(an->conf.max_flows);
	an->paths = path_table_new(an->conf.max_paths);
	an->dstate = xcalloc(detector_count, sizeof(*an->dstate));
	for (size_t i = 0; i < detector_count; i++)
		if (detector_table[i]->state_new != NULL)
			an->dstate[i] = detector_table[i]->state_new();
	return an;
}

void analyzer_free(struct analyzer *an)
{
	if (an == NULL)
		return;
	flow_table_free(an->flows);
	path_table_free(an->paths);
	for (size_t i = 0; i < detector_count; i++)
		if (detector_table[i]->state_free != NULL)
			detector_table[i]->state_free(an->dstate[i]);
	free(an->dstate);
	free(an);
}

static int64_t secs_ns(uint64_t s)
{
	return s > TIMEOUT_MAX_S ? INT64_MAX : (int64_t)s * 1000000000;
}

void analyzer_tick(struct analyzer *an, const struct timespec *now)
{
	flow_expire(an->flows, ts_ns(now), secs_ns(an->conf.flow_timeout),
	            secs_ns(an->conf.closed_timeout));
}

void analyzer_get_stats(const struct analyzer *an, struct analyzer_stats *st)
{
	struct flow_table_stats fs;
	struct path_table_stats ps;

	flow_table_get_stats(an->flows, &fs);
	path_table_get_stats(an->paths, &ps);
	memset(st, 0, sizeof(*st));
	st->paths_active = ps.active;
	st->paths_evicted = ps.evicted;
	st->ptb_impossible = ps.ptb_impossible;
	st->flows_active = fs.active;
	st->flows_created = fs.created;
	st->flows_evicted = fs.evicted;
	st->flows_expired = fs.expired;
	memcpy(st->alerts, an->sink.counts, sizeof(st->alerts));
	st->alerts_suppressed = an->sink.suppressed;
}

/* --- flows --- */

struct flow *det_flow(struct pctx *c)
{
	struct flow_key k;
	bool created;

	if (c->flow == NULL) {
		c->side = flow_key_make(&k, c->sess->vni, c->pkt);
		c->flow = flow_get(c->an->flows, &k, ts_ns(&c->pkt->ts), &created);
	}
	return c->flow;
}

struct flow *det_find(struct pctx *c)
{
	struct flow_key k;

	if (c->flow == NULL) {
		c->side = flow_key_make(&k, c->sess->vni, c->pkt);
		c->flow = flow_lookup(c->an->flows, &k);
	}
	return c->flow;
}

struct flow *det_flow_get(struct pctx *c, const struct flow_key *k, bool *created)
{
	return flow_get(c->an->flows, k, ts_ns(&c->pkt->ts), created);
}

struct flow *det_flow_lookup(struct pctx *c, const struct flow_key *k)
{
	return flow_lookup(c->an->flows, k);
}

uint32_t det_path_mtu(const struct pctx *c, const struct flow *f, int x, char *from, size_t len)
{
	return path_mtu_lookup(c->sess, flow_side_addr(f, x, NULL), from, len);
}

/* --- the path map --- */

struct path_rec *det_path(const struct pctx *c, const struct addr *dst)
{
	return path_lookup(c->an->paths, c->sess->vni, dst);
}

/* path_of: side x's path (towards the other side of f), created; new_flow
 * says whether f's side x gives evidence about it for the first time. */
static struct path_rec *path_of(struct pctx *c, struct flow *f, int x, bool *new_flow)
{
	struct flow_side *s = &f->side[x];

	*new_flow = !(s->flags & FS_PATH);
	s->flags |= FS_PATH;
	return path_get(c->an->paths, f->key.vni, flow_side_addr(f, !x, NULL), ts_ns(&c->pkt->ts));
}

/* touched: the path the packet gave evidence about, for path_mtu_mismatch. */
static void touched(struct pctx *c, struct path_rec *r, struct flow *f, int x, int why)
{
	c->path = r;
	c->path_flow = f;
	c->path_x = x;
	c->path_why = why;
}

static void limits(struct pctx *c, const struct path_rec *r, bool had)
{
	if (!had && (r->failed_min != 0 || r->ptb_mtu != 0))
		c->an->path_limits++;
}

void det_path_failed(struct pctx *c, struct flow *f, int x, uint32_t ip_len)
{
	bool new_flow;
	struct path_rec *r = path_of(c, f, x, &new_flow);
	bool had = r->failed_min != 0 || r->ptb_mtu != 0;

	path_failed(r, ip_len, new_flow, ts_ns(&c->pkt->ts));
	limits(c, r, had);
	touched(c, r, f, x, DET_PATH_FAILED);
}

bool det_path_ptb(struct pctx *c, struct flow *f, int x, uint32_t mtu, uint32_t quoted_len)
{
	bool new_flow;
	struct path_rec *r = path_of(c, f, x, &new_flow);
	bool had = r->failed_min != 0 || r->ptb_mtu != 0;

	if (!path_ptb(c->an->paths, r, mtu, quoted_len, new_flow, ts_ns(&c->pkt->ts)))
		return false;
	limits(c, r, had);
	touched(c, r, f, x, DET_PATH_PTB);
	return true;
}

/* note_passed: side x of c->flow got a bigger DF segment through. */
static void note_passed(struct pctx *c, int x)
{
	bool new_flow;
	struct path_rec *r = path_of(c, c->flow, x, &new_flow);

	path_passed(r, c->flow->side[x].acked_ip_len, new_flow, ts_ns(&c->pkt->ts));
	touched(c, r, c->flow, x, DET_PATH_PASSED);
}

void analyzer_paths(const struct analyzer *an, struct path_rec **v, size_t *n, size_t *cap)
{
	path_table_export(an->paths, v, n, cap);
}

uint32_t det_path_mtu_trusted(const struct pctx *c, const struct flow *f, int x, char *from,
                              size_t len)
{
	uint32_t mtu = det_path_mtu(c, f, x, from, len);

	if (mtu == 0)
		return 0;
	return path_too_low(path_lookup(c->an->paths, f->key.vni, flow_side_addr(f, x, NULL)), mtu)
	           ? 0
	           : mtu;
}

/* --- the entry point --- */

/* note_session: remember sess's VNI, name and mirror source (cheap when it
 * is the last session seen). */
static void note_session(struct analyzer *an, const struct session_conf *sess,
                         const struct addr *mirror_src)
{
	struct det_session *e;
	int i;

	if (sess != an->last_sess || sess->vni != an->last_vni) {
		an->last_sess = sess;
		an->last_vni = sess->vni;
		for (i = 0; i < an->nsess && an->sess[i].vni != sess->vni; i++)
			;
		if (i == an->nsess && an->nsess < AN_MAX_SESSIONS)
			an->sess[an->nsess++] = (struct det_session){.vni = sess->vni};
		an->last_idx = i < an->nsess ? i : -1;
		if (an->last_idx != -1) /* renamed by a reload */
			vx_strlcpy(an->sess[i].name, sess->name, sizeof(an->sess[i].name));
	}
	if (an->last_idx == -1)
		return;
	e = &an->sess[an->last_idx];
	e->has_mirror = mirror_src != NULL;
	if (mirror_src != NULL)
		e->mirror = *mirror_src;
}

struct flow *det_other_copy(const struct pctx *c, int *n, const struct det_session **other)
{
	const struct analyzer *an = c->an;
	struct flow_key k;
	struct flow *f;

	if (c->flow == NULL)
		return NULL;
	k = c->flow->key;
	for (; *n < an->nsess; (*n)++) {
		if (an->sess[*n].vni == c->flow->key.vni)
			continue;
		k.vni = an->sess[*n].vni;
		if ((f = flow_lookup(an->flows, &k)) != NULL) {
			*other = &an->sess[(*n)++];
			return f;
		}
	}
	return NULL;
}

void analyzer_packet(struct analyzer *an, const struct session_conf *sess,
                     const struct addr *mirror_src, const struct packet *pkt,
                     const struct pcap_ref *ref)
{
	struct pctx c = {an,   &an->conf, &an->sink, sess, mirror_src,
	                 pkt,  ref,       NULL,      0,    NULL,
	                 NULL, NULL,      0,         0,    an->path_limits != 0};
	unsigned ev = DET_EV_IP;
	uint32_t acked[2];

	if (sess == NULL || (pkt->ipver != 4 && pkt->ipver != 6))
		return;
	note_session(an, sess, mirror_src);
	if (pkt->flags & PKT_FRAGMENT)
		ev |= DET_EV_FRAGMENT;
	else if (pkt->flags & PKT_DF)
		ev |= DET_EV_DF;
	if ((pkt->flags & (PKT_PTB | PKT_QUOTED)) == (PKT_PTB | PKT_QUOTED))
		ev |= DET_EV_PTB;
	if (packet_has_ports(pkt)) {
		det_flow(&c);
		acked[0] = c.flow->side[0].acked_ip_len;
		acked[1] = c.flow->side[1].acked_ip_len;
		flow_account(an->flows, c.flow, c.side, pkt);
		/* An ACK or SACK proved a bigger size: evidence for the map. */
		if (c.flow->side[0].acked_ip_len > acked[0])
			note_passed(&c, 0);
		if (c.flow->side[1].acked_ip_len > acked[1])
			note_passed(&c, 1);
	}
	for (size_t i = 0; i < detector_count; i++) {
		const struct detector *d = detector_table[i];

		/* An earlier detector may have looked the packet's flow up
		 * (det_find), so DET_EV_TCP is decided per entry. */
		if (pkt->proto == IPPROTO_TCP_ && c.flow != NULL)
			ev |= DET_EV_TCP;
		if ((d->events & ev) == 0)
			continue;
		c.state = an->dstate[i];
		d->packet(&c, c.state);
	}
}
