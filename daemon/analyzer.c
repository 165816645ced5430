/*
 * analyzer.c - the streaming path-MTU analyzer (analyzer.h; the alert
 * schema and the exact rule of every alert type are in docs/alerts.md).
 *
 * Per packet: find or create its flow (TCP/UDP), account the packet on the
 * sending side (flow_account: sizes, seq/ack, MSS, the tracked segment),
 * then run the detections in detect_*.c in a fixed order.  This file holds
 * what they share: the analyzer, the per-packet context, formatting and
 * the alert plumbing (analyzer_int.h).
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

#include "analyzer_int.h"
#include "vxmirror/alert.h"
#include "vxmirror/util.h"

#define TIMEOUT_MAX_S (INT64_MAX / 1000000000)

static_assert(ALERT__MAX <= 8, "flow_side.alerted has one bit per alert type");

static const char *const alert_names[ALERT__MAX] = {
    [ALERT_OVERSIZE_DF] = "oversize_df",
    [ALERT_MSS_EXCEEDS_PATH_MTU] = "mss_exceeds_path_mtu",
    [ALERT_MSS_CLAMP_ASYMMETRY] = "mss_clamp_asymmetry",
    [ALERT_PMTUD_BLACKHOLE] = "pmtud_blackhole",
    [ALERT_ICMP_PTB] = "icmp_ptb",
    [ALERT_PTB_IGNORED] = "ptb_ignored",
    [ALERT_FRAGMENTED] = "fragmented",
};

const char *alert_type_name(enum alert_type t)
{
	return (unsigned)t < ALERT__MAX ? alert_names[t] : "unknown";
}

struct analyzer *analyzer_new(const struct analyzer_conf *conf, analyzer_alert_cb cb, void *arg)
{
	struct analyzer *an = xcalloc(1, sizeof(*an));

	/* The defaults live in config.c alone; a loaded config has every key. */
	if (conf != NULL)
		an->conf = *conf;
	else
		config_analyzer_defaults(&an->conf);
	an->cb = cb;
	an->cb_arg = arg;
	an->flows = flow_table_new(an->conf.max_flows);
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

	flow_table_get_stats(an->flows, &fs);
	memset(st, 0, sizeof(*st));
	st->flows_active = fs.active;
	st->flows_created = fs.created;
	st->flows_evicted = fs.evicted;
	st->flows_expired = fs.expired;
	memcpy(st->alerts, an->alerts, sizeof(st->alerts));
	st->alerts_suppressed = an->suppressed;
}

/* --- formatting helpers (the generic ones are in alert.c) --- */

/* direction: seen from the mirrored ENI; NULL when that is unknown. */
static const char *direction(const struct addr *mirror, const struct addr *src,
                             const struct addr *dst)
{
	if (mirror == NULL)
		return NULL;
	if (addr_eq(mirror, src))
		return "egress";
	if (addr_eq(mirror, dst))
		return "ingress";
	return NULL;
}

uint32_t an_tcpip_hdr(const struct addr *a)
{
	return a->family == AF_INET6 ? 60 : 40;
}

/* --- flows --- */

struct flow *an_pctx_flow(struct pctx *c)
{
	struct flow_key k;
	bool created;

	if (c->flow == NULL) {
		c->side = flow_key_make(&k, c->sess->vni, c->pkt);
		c->flow = flow_get(c->an->flows, &k, ts_ns(&c->pkt->ts), &created);
	}
	return c->flow;
}

struct flow *an_pctx_find(struct pctx *c)
{
	struct flow_key k;

	if (c->flow == NULL) {
		c->side = flow_key_make(&k, c->sess->vni, c->pkt);
		c->flow = flow_lookup(c->an->flows, &k);
	}
	return c->flow;
}

struct an_flow an_flow_of(const struct flow *f, int x)
{
	struct an_flow fl = {.proto = f->key.proto};

	fl.ports = packet_proto_has_ports(f->key.proto);
	fl.src = flow_side_addr(f, x, &fl.sport);
	fl.dst = flow_side_addr(f, !x, &fl.dport);
	return fl;
}

uint32_t an_path_mtu(const struct pctx *c, const struct flow *f, int x, char *from, size_t len)
{
	return path_mtu_lookup(c->sess, flow_side_addr(f, x, NULL), from, len);
}

/* --- building and emitting alerts --- */

static json_t *port_json(bool ports, uint16_t port)
{
	return ports ? json_integer(port) : json_null();
}

json_t *an_alert_new(const struct pctx *c, enum alert_type t, const char *severity,
                     const struct an_flow *fl)
{
	char ts[64], s[ADDR_STRLEN], d[ADDR_STRLEN];
	const char *dir = direction(c->mirror_src, fl->src, fl->dst);
	json_t *o;

	/* The automatic "capture" session of -r has no VNI: null. */
	o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "ts", alert_fmt_ts(&c->pkt->ts, ts, sizeof(ts)),
	              "type", alert_type_name(t), "severity", severity, "session", c->sess->name,
	              "vni", c->sess->vni <= 0xffffff ? json_integer(c->sess->vni) : json_null());
	if (o == NULL)
		return NULL;
	if (dir != NULL)
		json_object_set_new(o, "direction", json_string(dir));
	json_object_set_new(
	    o, "flow",
	    json_pack("{s:s, s:s, s:o, s:s, s:o}", "proto", alert_proto_name(fl->proto), "src",
	              addr_fmt(fl->src, s, sizeof(s)), "sport", port_json(fl->ports, fl->sport),
	              "dst", addr_fmt(fl->dst, d, sizeof(d)), "dport",
	              port_json(fl->ports, fl->dport)));
	return o;
}

void an_alert_emit(struct pctx *c, enum alert_type t, json_t *o, const char *message,
                   const char *advice)
{
	struct analyzer *an = c->an;

	json_object_set_new(o, "message", json_string(message));
	json_object_set_new(o, "advice", json_string(advice));
	if (c->ref != NULL)
		json_object_set_new(o, "pcap",
		                    json_pack("{s:s, s:I}", "file", c->ref->file, "frame",
		                              (json_int_t)c->ref->frame));
	else
		json_object_set_new(o, "pcap", json_null());
	an->alerts[t]++;
	if (an->cb != NULL)
		an->cb(an->cb_arg, t, o);
	json_decref(o);
}

bool an_alert_claim(struct analyzer *an, struct flow *f, int side, enum alert_type t)
{
	uint8_t bit = (uint8_t)(1u << t);

	if (f->side[side].alerted & bit) {
		an->suppressed++;
		return false;
	}
	f->side[side].alerted |= bit;
	return true;
}

/* --- the entry point --- */

/* note_session: remember sess's VNI, name and mirror source (cheap when it
 * is the last session seen). */
static void note_session(struct analyzer *an, const struct session_conf *sess,
                         const struct addr *mirror_src)
{
	struct an_sess *e;
	int i;

	if (sess != an->last_sess || sess->vni != an->last_vni) {
		an->last_sess = sess;
		an->last_vni = sess->vni;
		for (i = 0; i < an->nsess && an->sess[i].vni != sess->vni; i++)
			;
		if (i == an->nsess && an->nsess < AN_MAX_SESSIONS)
			an->sess[an->nsess++] = (struct an_sess){.vni = sess->vni};
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

struct flow *an_other_copy(const struct pctx *c, int *n, const struct an_sess **other)
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
	struct pctx c = {an, sess, mirror_src, pkt, ref, NULL, 0, NULL};
	unsigned ev = DET_EV_IP;

	if (sess == NULL || (pkt->ipver != 4 && pkt->ipver != 6))
		return;
	note_session(an, sess, mirror_src);
	if (packet_has_ports(pkt)) {
		an_pctx_flow(&c);
		flow_account(an->flows, c.flow, c.side, pkt);
	}
	for (size_t i = 0; i < detector_count; i++) {
		const struct detector *d = detector_table[i];

		/* An earlier detector may have looked the packet's flow up
		 * (an_pctx_find), so DET_EV_TCP is decided per entry. */
		if (pkt->proto == IPPROTO_TCP_ && c.flow != NULL)
			ev |= DET_EV_TCP;
		if ((d->events & ev) == 0)
			continue;
		c.state = an->dstate[i];
		d->packet(&c, c.state);
	}
}
