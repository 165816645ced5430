/*
 * detect_mss.c - the handshake checks: mss_exceeds_path_mtu and
 * mss_clamp_asymmetry (docs/alerts.md has the exact rules).
 *
 * Both run once per connection, when the SYN-ACK completes a handshake
 * whose SYN was seen.  mss_clamp_asymmetry has two forms:
 *
 *  - "two_sessions": both ends are mirrored, so the same SYN and SYN-ACK
 *    are seen on two sessions (VNIs).  A small table keyed by the 5-tuple
 *    without the VNI plus the initiator's ISN collects the MSS each
 *    session saw.  An MSS that differs between the copies was rewritten
 *    between the two mirror points: direct evidence of clamping.  One
 *    direction clamped and the other not, with the unclamped MSS too big
 *    for the clamped path, is the asymmetry (seed 2).
 *  - "path_mtu": one session, the mirrored host known (outer source IP),
 *    path MTUs configured both ways.  The remote's MSS arrived exactly
 *    clamped to the path it came over, while the local host's MSS fits
 *    its own path (so nothing clamps it) but not the way back.
 *
 * When the two-session evidence exists it decides; the single-session
 * form is the fallback.  The table only sees sessions of this worker, so
 * the two-session form needs both copies to land in the same worker (one
 * worker, or a symmetric hash over the inner addresses).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vxmirror/alert.h"
#include "vxmirror/detector.h"
#include "vxmirror/util.h"

#define XS_SLOTS  1024 /* power of two; direct-mapped, newest wins */
#define XS_TTL_NS (30 * (int64_t)1000000000)

#define XS_SYN    0x01 /* the SYN was seen, with a readable MSS */
#define XS_SYNACK 0x02 /* the SYN-ACK was seen, with a readable MSS */

/* What one session saw of a handshake. */
struct xs_copy {
	uint32_t vni;
	uint16_t mss[2]; /* [0] the SYN's, [1] the SYN-ACK's */
	uint8_t have;    /* XS_* */
	char session[CONFIG_NAME_MAX];
};

struct xs_entry {
	struct flow_key key; /* vni 0: the connection, whichever session saw it */
	uint32_t isn;        /* the initiator's ISN */
	int64_t first_ns;
	uint8_t used, done;
	uint8_t init_side; /* key side that sent the SYN */
	uint8_t ncopies;
	struct xs_copy c[2];
};

struct mss_xs {
	struct xs_entry e[XS_SLOTS];
};

static void *mss_xs_new(void)
{
	return xcalloc(1, sizeof(struct mss_xs));
}

/* --- mss_exceeds_path_mtu --- */

/* default_mss: what a peer may send when no MSS was announced (RFC 9293, RFC 8200). */
static uint32_t default_mss(const struct addr *a)
{
	return a->family == AF_INET6 ? 1220 : 536;
}

/* What one side of a completed handshake may send, and why. */
struct mss_eval {
	int side;
	const struct addr *sender, *peer;
	bool has_own;
	uint32_t own;      /* MSS the sender announced (has_own) */
	uint32_t received; /* MSS it received, or the default */
	bool received_default;
	uint32_t send_size; /* min(received, own) + hdr */
	uint32_t mtu;
	char from[ADDR_STRLEN + 16];
};

static void mss_eval(const struct pctx *c, const struct flow *f, int x, struct mss_eval *e)
{
	const struct flow_side *s = &f->side[x], *peer = &f->side[!x];

	memset(e, 0, sizeof(*e));
	e->side = x;
	e->sender = flow_side_addr(f, x, NULL);
	e->peer = flow_side_addr(f, !x, NULL);
	e->has_own = s->flags & FS_HAS_MSS;
	e->own = s->mss;
	e->received_default = !(peer->flags & FS_HAS_MSS);
	e->received = e->received_default ? default_mss(e->sender) : peer->mss;
	e->send_size =
	    (e->has_own ? MIN(e->received, e->own) : e->received) + det_tcpip_hdr(e->sender);
	e->mtu = det_path_mtu_trusted(c, f, !x, e->from, sizeof(e->from));
}

static void mss_text(const struct mss_eval *e, char *msg, size_t msglen, char *adv, size_t advlen)
{
	char sh[ADDR_STRLEN], ph[ADDR_STRLEN], recv[64], own[32];
	uint32_t hdr = det_tcpip_hdr(e->sender);

	addr_fmt(e->sender, sh, sizeof(sh));
	addr_fmt(e->peer, ph, sizeof(ph));
	if (e->received_default)
		snprintf(recv, sizeof(recv), "no MSS received, so the default %u", e->received);
	else
		snprintf(recv, sizeof(recv), "MSS %u received", e->received);
	if (e->has_own)
		snprintf(own, sizeof(own), "own MSS %u", e->own);
	else
		snprintf(own, sizeof(own), "no own MSS");
	snprintf(msg, msglen,
	         "%s may send %u-byte packets to %s (%s, %s, + %u header bytes) but the path "
	         "MTU towards %s is %u (%s): the flow stalls unless PMTUD works",
	         sh, e->send_size, ph, recv, own, hdr, ph, e->mtu, e->from);
	snprintf(adv, advlen,
	         "clamp TCP MSS to %u on the path towards %s, or on %s set a per-route MTU "
	         "(ip route change %s mtu %u) rather than lowering its interface MTU; until "
	         "then %s must reach %s",
	         e->mtu > hdr ? e->mtu - hdr : 0, ph, sh, ph, e->mtu, alert_icmp_advice(e->sender),
	         sh);
}

static void alert_mss(struct pctx *c, const struct mss_eval *e)
{
	struct alert_flow fl = alert_flow_of(c->flow, e->side);
	char sh[ADDR_STRLEN], msg[512], adv[768];
	json_t *o;

	o = alert_new(c, ALERT_MSS_EXCEEDS_PATH_MTU, "warning", &fl);
	if (o == NULL)
		return;
	json_object_set_new(o, "sender", json_string(addr_fmt(e->sender, sh, sizeof(sh))));
	json_object_set_new(o, "mss_sent_by_sender",
	                    e->has_own ? json_integer(e->own) : json_null());
	json_object_set_new(o, "mss_received_from_peer", json_integer(e->received));
	json_object_set_new(o, "mss_received_is_default", json_boolean(e->received_default));
	json_object_set_new(o, "effective_send_size", json_integer(e->send_size));
	json_object_set_new(o, "path_mtu", json_integer(e->mtu));
	json_object_set_new(o, "path_mtu_source", json_string(e->from));
	mss_text(e, msg, sizeof(msg), adv, sizeof(adv));
	alert_emit(c, ALERT_MSS_EXCEEDS_PATH_MTU, o, msg, adv);
}

static void check_mss_exceeds(struct pctx *c)
{
	struct mss_eval e;

	for (int x = 0; x < 2; x++) {
		mss_eval(c, c->flow, x, &e);
		if (e.mtu == 0 || e.send_size <= e.mtu)
			continue;
		if (alert_claim(c->sink, c->flow, x, ALERT_MSS_EXCEEDS_PATH_MTU))
			alert_mss(c, &e);
	}
}

/* --- mss_clamp_asymmetry: what both forms report --- */

/* One clamped direction: `side` sends on a path that clamped its MSS. */
struct clamp {
	int side;
	bool syn;                    /* the clamped segment is the side's SYN (else its SYN-ACK) */
	uint32_t from, to;           /* its MSS before the clamp (0 = not seen) and as it arrived */
	uint32_t unclamped;          /* the MSS it received from its peer, unchanged */
	uint32_t send_size;          /* what it may send: min(unclamped, from) + hdr */
	const struct xs_copy *other; /* two-session form: the other session's copy */
};

static void clamp_text(const struct pctx *c, const struct clamp *k, char *msg, size_t msglen,
                       char *adv, size_t advlen)
{
	const struct addr *s = flow_side_addr(c->flow, k->side, NULL);
	const struct addr *p = flow_side_addr(c->flow, !k->side, NULL);
	char sh[ADDR_STRLEN], ph[ADDR_STRLEN];
	uint32_t hdr = det_tcpip_hdr(s), path = k->to + hdr;
	const char *seg = k->syn ? "SYN" : "SYN-ACK", *pseg = k->syn ? "SYN-ACK" : "SYN";

	addr_fmt(s, sh, sizeof(sh));
	addr_fmt(p, ph, sizeof(ph));
	if (k->other != NULL)
		snprintf(msg, msglen,
		         "MSS clamping on one path only: %s's %s was rewritten from MSS %u to %u "
		         "between the mirror points (sessions %s and %s), while %s's %s MSS %u "
		         "reached it unchanged; %s may send %u-byte packets towards %s, more than "
		         "the %u bytes the clamp implies for that path",
		         sh, seg, k->from, k->to, k->other->session, c->sess->name, ph, pseg,
		         k->unclamped, sh, k->send_size, ph, path);
	else
		snprintf(
		    msg, msglen,
		    "MSS clamping on one path only: %s's %s arrived with MSS %u, as clamped to "
		    "the %u-byte path from %s, while %s's %s MSS %u fits its own path towards "
		    "%s, so nothing clamps it; %s may send %u-byte packets towards %s, more "
		    "than that path's %u bytes (unless its own MTU is %u)",
		    sh, seg, k->to, path, sh, ph, pseg, k->unclamped, sh, sh, k->send_size, ph,
		    path, path);
	snprintf(adv, advlen,
	         "clamp TCP MSS to %u on the path from %s to %s too (clamp on both paths), or "
	         "route both directions the same way, or lower the MTU on %s and %s to %u",
	         k->to, ph, sh, sh, ph, path);
}

static void alert_clamp(struct pctx *c, const struct clamp *k)
{
	struct alert_flow fl = alert_flow_of(c->flow, k->side);
	char sh[ADDR_STRLEN], from[ADDR_STRLEN + 16], rfrom[ADDR_STRLEN + 16], msg[768], adv[768];
	uint32_t mtu = det_path_mtu(c, c->flow, !k->side, from, sizeof(from));
	uint32_t rmtu = det_path_mtu(c, c->flow, k->side, rfrom, sizeof(rfrom));
	json_t *o;

	o = alert_new(c, ALERT_MSS_CLAMP_ASYMMETRY, "warning", &fl);
	if (o == NULL)
		return;
	json_object_set_new(o, "evidence_kind",
	                    json_string(k->other ? "two_sessions" : "path_mtu"));
	json_object_set_new(o, "sender", json_string(addr_fmt(fl.src, sh, sizeof(sh))));
	json_object_set_new(o, "clamped_segment", json_string(k->syn ? "syn" : "synack"));
	json_object_set_new(o, "mss_clamped_from", alert_json_uint_or_null(k->from));
	json_object_set_new(o, "mss_clamped_to", json_integer(k->to));
	json_object_set_new(o, "mss_unclamped", json_integer(k->unclamped));
	json_object_set_new(o, "effective_send_size", json_integer(k->send_size));
	json_object_set_new(o, "path_mtu", alert_json_uint_or_null(mtu));
	json_object_set_new(o, "path_mtu_source", mtu ? json_string(from) : json_null());
	json_object_set_new(o, "path_mtu_reverse", alert_json_uint_or_null(rmtu));
	json_object_set_new(o, "path_mtu_reverse_source", rmtu ? json_string(rfrom) : json_null());
	json_object_set_new(o, "other_session",
	                    k->other ? json_string(k->other->session) : json_null());
	json_object_set_new(o, "other_vni", k->other ? json_integer(k->other->vni) : json_null());
	clamp_text(c, k, msg, sizeof(msg), adv, sizeof(adv));
	alert_emit(c, ALERT_MSS_CLAMP_ASYMMETRY, o, msg, adv);
}

static void raise_clamp(struct pctx *c, const struct clamp *k)
{
	if (alert_claim(c->sink, c->flow, k->side, ALERT_MSS_CLAMP_ASYMMETRY))
		alert_clamp(c, k);
}

/* --- the two-session form --- */

static uint32_t xs_hash(const struct flow_key *k, uint32_t isn)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u ^ isn;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h ^ (h >> 15);
}

/* xs_slot: the entry for (key, isn) if it is live; else NULL (and *slot where it goes). */
static struct xs_entry *xs_find(struct mss_xs *xs, const struct flow_key *k, uint32_t isn,
                                int64_t now, struct xs_entry **slot)
{
	struct xs_entry *e = &xs->e[xs_hash(k, isn) & (XS_SLOTS - 1)];

	if (slot != NULL)
		*slot = e;
	if (e->used && e->isn == isn && memcmp(&e->key, k, sizeof(*k)) == 0 &&
	    now - e->first_ns < XS_TTL_NS)
		return e;
	return NULL;
}

/* xs_key: the connection key of a SYN or SYN-ACK, its initiator side and ISN. */
static void xs_key(const struct packet *p, struct flow_key *k, int *init_side, uint32_t *isn)
{
	bool syn = !(p->tcp_flags & TH_ACK);
	int side = flow_key_set(k, 0, IPPROTO_TCP_, &p->src, p->sport, &p->dst, p->dport);

	*init_side = syn ? side : !side;
	*isn = syn ? p->seq : p->ack - 1;
}

/* xs_copy_of: this session's copy in e, added if there is room; NULL for a third session. */
static struct xs_copy *xs_copy_of(struct xs_entry *e, const struct session_conf *sess)
{
	for (int i = 0; i < e->ncopies; i++)
		if (e->c[i].vni == sess->vni)
			return &e->c[i];
	if (e->ncopies == 2)
		return NULL;
	e->c[e->ncopies].vni = sess->vni;
	vx_strlcpy(e->c[e->ncopies].session, sess->name, sizeof(e->c[0].session));
	return &e->c[e->ncopies++];
}

static bool xs_complete(const struct xs_entry *e)
{
	return e->ncopies == 2 && e->c[0].have == (XS_SYN | XS_SYNACK) &&
	       e->c[1].have == (XS_SYN | XS_SYNACK);
}

/* xs_evaluate: the four copies of one handshake; raise if exactly one direction was clamped. */
static void xs_evaluate(struct pctx *c, const struct xs_entry *e, const struct xs_copy *here)
{
	const struct xs_copy *other = here == &e->c[0] ? &e->c[1] : &e->c[0];
	bool syn_rw = e->c[0].mss[0] != e->c[1].mss[0];
	bool sa_rw = e->c[0].mss[1] != e->c[1].mss[1];
	int seg = sa_rw ? 1 : 0; /* the rewritten segment */
	struct clamp k = {.other = other};

	if (syn_rw == sa_rw)
		return; /* none, or both directions clamped: fine */
	k.syn = seg == 0;
	k.side = k.syn ? e->init_side : !e->init_side;
	k.from = MAX(e->c[0].mss[seg], e->c[1].mss[seg]); /* clamping only ever lowers it */
	k.to = MIN(e->c[0].mss[seg], e->c[1].mss[seg]);
	k.unclamped = e->c[0].mss[!seg];
	k.send_size = MIN(k.unclamped, k.from) + det_tcpip_hdr(&c->pkt->src);
	if (k.send_size > k.to + det_tcpip_hdr(&c->pkt->src))
		raise_clamp(c, &k);
}

static void detect_mss_seen(struct pctx *c)
{
	const struct packet *p = c->pkt;
	int64_t now = ts_ns(&p->ts);
	struct xs_entry *e, *slot;
	struct xs_copy *cp;
	struct flow_key k;
	uint32_t isn;
	int init, seg;

	if (!(p->tcp_flags & TH_SYN) || (p->tcp_flags & TH_RST) || (p->flags & PKT_FRAGMENT) ||
	    !(p->flags & PKT_HAS_MSS) || (p->flags & PKT_L4_TRUNCATED))
		return;
	xs_key(p, &k, &init, &isn);
	if ((e = xs_find(c->state, &k, isn, now, &slot)) == NULL) {
		e = slot;
		memset(e, 0, sizeof(*e));
		e->key = k;
		e->isn = isn;
		e->first_ns = now;
		e->used = 1;
		e->init_side = (uint8_t)init;
	}
	if ((cp = xs_copy_of(e, c->sess)) == NULL)
		return;
	seg = (p->tcp_flags & TH_ACK) ? 1 : 0;
	cp->mss[seg] = p->tcp_mss;
	cp->have |= seg ? XS_SYNACK : XS_SYN;
	if (!e->done && xs_complete(e)) {
		e->done = 1;
		xs_evaluate(c, e, cp);
	}
}

/* xs_decided: both sessions saw this handshake, so the two-session form has decided. */
static bool xs_decided(struct pctx *c)
{
	const struct xs_entry *e;
	struct flow_key k;
	uint32_t isn;
	int init;

	xs_key(c->pkt, &k, &init, &isn);
	e = xs_find(c->state, &k, isn, ts_ns(&c->pkt->ts), NULL);
	return e != NULL && xs_complete(e);
}

/* --- the single-session form --- */

/* local_side: the side of the flow that is the mirrored ENI, or -1. */
static int local_side(const struct pctx *c)
{
	for (int x = 0; x < 2; x++)
		if (c->mirror_src != NULL &&
		    addr_eq(c->mirror_src, flow_side_addr(c->flow, x, NULL)))
			return x;
	return -1;
}

static void check_straddle(struct pctx *c)
{
	const struct flow *f = c->flow;
	int l = local_side(c), r = !l;
	uint32_t hdr, to_l, to_r, mss_l, mss_r;
	struct clamp k = {0};

	if (l < 0 || !(f->side[0].flags & f->side[1].flags & FS_HAS_MSS))
		return;
	hdr = det_tcpip_hdr(flow_side_addr(f, l, NULL));
	to_l = det_path_mtu_trusted(c, f, l, NULL, 0);
	to_r = det_path_mtu_trusted(c, f, r, NULL, 0);
	mss_l = f->side[l].mss;
	mss_r = f->side[r].mss;
	/* r's MSS came over the r -> l path, clamped to it; l's does not fit that
	 * path, yet fits l -> r, so nothing on the way clamps it. */
	if (to_l == 0 || to_r == 0 || mss_r + hdr != to_l || mss_l + hdr <= to_l ||
	    mss_l + hdr > to_r)
		return;
	k.side = r;
	k.syn = f->initiator == r;
	k.to = mss_r;
	k.unclamped = mss_l;
	k.send_size = mss_l + hdr;
	raise_clamp(c, &k);
}

/* detect_handshake: once per connection, when the SYN-ACK completes it. */
static void detect_handshake(struct pctx *c)
{
	struct flow *f = c->flow;

	if (!(f->state & FLOW_HANDSHAKE) || (f->state & FLOW_HS_CHECKED))
		return;
	f->state |= FLOW_HS_CHECKED;
	if ((f->side[0].flags | f->side[1].flags) & FS_MSS_UNKNOWN)
		return; /* an MSS we could not read is no evidence either way */
	check_mss_exceeds(c);
	if (!xs_decided(c))
		check_straddle(c);
}

/* mss_packet: remember a SYN/SYN-ACK for the cross-session check, then the handshake rules. */
static void mss_packet(struct pctx *c, void *state)
{
	(void)state; /* also c->state, which xs_find() reads */
	detect_mss_seen(c);
	detect_handshake(c);
}

const struct detector detector_mss = {"mss", DET_EV_TCP, mss_xs_new, free, mss_packet};
