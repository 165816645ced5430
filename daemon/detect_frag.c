/*
 * detect_frag.c - fragmented: IP fragments seen on a session.
 *
 * Informational and rate-limited per session (VNI), not per flow: the
 * first fragment on a session alerts at once; later ones are counted, and
 * the first one after analyzer.fragment_alert_interval (packet time) alerts
 * again with the count since the previous alert.  A small open-addressed
 * table holds the per-session state; when it is full the session alerted
 * longest ago gives way (which at worst makes its next alert early).
 */
#include <stdio.h>
#include <stdlib.h>

#include "vxmirror/alert.h"
#include "vxmirror/detector.h"
#include "vxmirror/util.h"

#define FRAG_SLOTS 64 /* power of two */
#define FRAG_PROBE 8

struct frag_slot {
	uint32_t vni;
	uint8_t used;
	int64_t last_ns; /* packet time of the last alert */
	uint64_t count;  /* fragments since the last alert */
};

struct frag_rl {
	struct frag_slot s[FRAG_SLOTS];
};

static void *frag_rl_new(void)
{
	return xcalloc(1, sizeof(struct frag_rl));
}

/* frag_slot: the session's slot; *fresh when it had none (it alerts at once). */
static struct frag_slot *frag_slot(struct frag_rl *rl, uint32_t vni, bool *fresh)
{
	uint32_t h = (vni * 2654435761u) >> 26;
	struct frag_slot *victim = NULL;

	*fresh = false;
	for (uint32_t i = 0; i < FRAG_PROBE; i++) {
		struct frag_slot *s = &rl->s[(h + i) & (FRAG_SLOTS - 1)];
		if (!s->used) { /* slots are never freed: the session is not further on */
			victim = s;
			break;
		}
		if (s->vni == vni)
			return s;
		if (victim == NULL || s->last_ns < victim->last_ns)
			victim = s;
	}
	*victim = (struct frag_slot){.vni = vni, .used = 1};
	*fresh = true;
	return victim;
}

static void alert_frag(struct pctx *c, uint64_t n, bool first)
{
	const struct packet *p = c->pkt;
	struct alert_flow fl = {p->proto, packet_has_ports(p), &p->src, &p->dst, p->sport,
	                        p->dport};
	char s[ADDR_STRLEN], d[ADDR_STRLEN], msg[512], adv[512];
	json_t *o;

	o = alert_new(c, ALERT_FRAGMENTED, "info", &fl);
	if (o == NULL)
		return;
	json_object_set_new(o, "fragments", json_integer((json_int_t)n));
	json_object_set_new(o, "ip_id", json_integer(p->ip_id));
	json_object_set_new(o, "frag_off", json_integer(p->frag_off));
	/* A first fragment has MF set; for a later one struct packet does not say. */
	json_object_set_new(o, "mf", p->frag_off == 0 ? json_true() : json_null());
	json_object_set_new(o, "interval_s", json_integer(c->conf->fragment_alert_interval));
	snprintf(msg, sizeof(msg),
	         "%llu IP fragment%s seen on session %s%s, e.g. %s -> %s %s "
	         "id %u offset %u: a packet without DF%s was bigger than a link on its path",
	         (unsigned long long)n, n == 1 ? "" : "s", c->sess->name,
	         first ? "" : " since the last alert", addr_fmt(&p->src, s, sizeof(s)),
	         addr_fmt(&p->dst, d, sizeof(d)), alert_proto_name(p->proto), p->ip_id, p->frag_off,
	         p->ipver == 6 ? " (fragmented by its IPv6 source)" : "");
	snprintf(adv, sizeof(adv),
	         "make %s send packets that fit the path (lower its MTU or datagram size, or use "
	         "PMTUD with DF): fragments cost reassembly, and many firewalls and load "
	         "balancers drop or mishandle non-first fragments",
	         s);
	alert_emit(c, ALERT_FRAGMENTED, o, msg, adv);
}

static void detect_fragment(struct pctx *c, void *state)
{
	int64_t now = ts_ns(&c->pkt->ts);
	int64_t iv = (int64_t)c->conf->fragment_alert_interval * 1000000000;
	struct frag_slot *s;
	bool fresh;

	if (!(c->pkt->flags & PKT_FRAGMENT))
		return;
	s = frag_slot(state, c->sess->vni, &fresh);
	s->count++;
	if (!fresh && now - s->last_ns < iv)
		return;
	alert_frag(c, s->count, fresh);
	s->count = 0;
	s->last_ns = now;
}

const struct detector detector_frag = {"fragmented", DET_EV_FRAGMENT, frag_rl_new, free,
                                       detect_fragment};
