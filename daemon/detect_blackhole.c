/*
 * detect_blackhole.c - pmtud_blackhole: an oversized DF segment that is
 * retransmitted again and again, never acknowledged, with no ICMP PTB
 * quoting the flow (docs/alerts.md has the exact rule).
 *
 * flow_account() does the bookkeeping per side (struct flow_side: the
 * tracked segment, its retransmissions, the largest size acknowledged,
 * by ACK or SACK); this file decides, evidence first.  A segment no
 * bigger than one the sender already got through is loss, never a black
 * hole, whatever the config says.  Otherwise the basis is `configured`
 * when the segment exceeds a configured path MTU that the evidence does
 * not contradict, else `observed`: it exceeds the largest size seen
 * delivered (the sender's own, else the other direction's) and the
 * 576/1280 floor.  A configured MTU never silences the observed rule.
 * Follow-up lines of the same type: the sender recovered by resending in
 * smaller segments (Linux tcp_mtu_probing: the black hole is still
 * there), or the stalled segment was acknowledged after all (withdrawn:
 * it was loss).
 *
 * When another session mirrors the far end of the same connection (both
 * ends mirrored), the alert says where the packet died: that session saw
 * the sender's smaller packets but never this one, so it was lost between
 * the two mirror points.
 */
#include <stdio.h>

#include "vxmirror/alert.h"
#include "vxmirror/detector.h"
#include "vxmirror/util.h"

/* Below these no path drops a packet for its size: IPv6 links carry 1280
 * (RFC 8200), IPv4 hosts accept 576 (RFC 791).  An inferred black hole
 * must be bigger, so small-segment loss is never one. */
#define MIN_SIZE_V4 576
#define MIN_SIZE_V6 1280

/* What the alert says about the tracked segment of side x. */
struct bh {
	int x;
	const struct flow_side *s, *peer;
	uint32_t mtu; /* towards the receiver; 0 = not configured */
	char from[ADDR_STRLEN + 16];
	uint32_t largest;            /* largest size delivered: the sender's own, else the peer's */
	bool largest_own;            /* ...and it is the sender's own */
	uint32_t largest_any;        /* largest size delivered in either direction */
	bool confirmed;              /* basis "configured" (else "observed") */
	bool contradicted;           /* the sender got a DF segment bigger than mtu through */
	const struct path_rec *path; /* the path towards the receiver (pathmap.h), or NULL */
	int64_t stalled_ns;          /* first sent -> this packet */
	/* The same connection on another session (the other end's mirror). */
	const char *other; /* its session name; NULL if none saw the sender */
	uint32_t other_vni;
	bool other_saw;         /* a packet this big from the sender reached it */
	uint32_t other_largest; /* largest packet from the sender it saw */
};

/* bh_where: find the session that mirrors the far end of the path, if any.
 * Both copies of a connection land on one worker (steering hashes the inner
 * addresses, not the VNI), so its flow table has both. */
static void bh_where(const struct pctx *c, struct bh *b)
{
	const struct flow_side *os;
	const struct det_session *e;
	struct flow *o;
	int n = 0;

	b->other = NULL;
	while ((o = det_other_copy(c, &n, &e)) != NULL) {
		os = &o->side[b->x];
		if (os->packets == 0)
			continue; /* nothing from this sender there: another path */
		if (e->has_mirror && c->mirror_src != NULL && addr_eq(&e->mirror, c->mirror_src))
			continue; /* another session of the same ENI: the same mirror point */
		b->other = e->name;
		b->other_vni = e->vni;
		b->other_largest = os->max_ip_len;
		b->other_saw = os->max_ip_len >= b->s->big_ip_len;
		if (!b->other_saw)
			return; /* where it died: the most telling answer */
	}
}

static void bh_init(const struct pctx *c, int x, struct bh *b)
{
	b->x = x;
	b->s = &c->flow->side[x];
	b->peer = &c->flow->side[!x];
	b->mtu = det_path_mtu(c, c->flow, !x, b->from, sizeof(b->from));
	b->largest_any = MAX(b->s->acked_ip_len, b->peer->acked_ip_len);
	b->largest_own = b->s->acked_ip_len != 0;
	b->largest = b->largest_own ? b->s->acked_ip_len : b->peer->acked_ip_len;
	b->path = det_path(c, flow_side_addr(c->flow, !x, NULL));
	b->contradicted =
	    b->mtu != 0 && (b->s->acked_ip_len > b->mtu || path_too_low(b->path, b->mtu));
	b->confirmed = b->mtu != 0 && !b->contradicted && b->s->big_ip_len > b->mtu;
	b->stalled_ns = ts_ns(&c->pkt->ts) - b->s->big_first_ns;
	bh_where(c, b);
}

/* bh_applies: the rule, for the tracked segment of side x. */
static bool bh_applies(const struct pctx *c, const struct bh *b)
{
	const struct addr *src = flow_side_addr(c->flow, b->x, NULL);
	uint32_t floor = src->family == AF_INET6 ? MIN_SIZE_V6 : MIN_SIZE_V4;

	if (b->s->flags & FS_PTB_SEEN)
		return false; /* PMTUD is being told: icmp_ptb / ptb_ignored instead */
	if ((b->peer->flags & FS_ACK) && seq_after(b->peer->ack_max, b->s->big_seq))
		return false;
	if (b->s->big_ip_len <= b->s->acked_ip_len)
		return false; /* this size got through on this flow: loss, not size */
	if (b->path != NULL && b->s->big_ip_len <= b->path->passed_max)
		return false; /* ...or on another flow towards the same destination */
	if (b->confirmed)
		return true;
	/* Observed: bigger than anything delivered on the flow, either way. */
	return b->largest_any > 0 && b->s->big_ip_len > b->largest_any && b->s->big_ip_len > floor;
}

static void bh_advice(const struct pctx *c, const struct bh *b, char *adv, size_t len)
{
	const struct addr *s = flow_side_addr(c->flow, b->x, NULL);
	const struct addr *d = flow_side_addr(c->flow, !b->x, NULL);
	char sh[ADDR_STRLEN], dh[ADDR_STRLEN];
	uint32_t hdr = det_tcpip_hdr(s), icmp_hdr = s->family == AF_INET6 ? 48 : 28;

	addr_fmt(s, sh, sizeof(sh));
	addr_fmt(d, dh, sizeof(dh));
	if (b->confirmed)
		snprintf(
		    adv, len,
		    "allow %s back to %s (NACL, security group, host firewall, on-prem devices), "
		    "and on %s set a per-route MTU (ip route change %s mtu %u) or clamp TCP MSS to "
		    "%u on the path towards %s, rather than lowering its interface MTU, which "
		    "would shrink all its traffic",
		    alert_icmp_advice(s), sh, sh, dh, b->mtu, b->mtu > hdr ? b->mtu - hdr : 0, dh);
	else
		snprintf(
		    adv, len,
		    "find the hop that drops %u-byte packets (from %s: tracepath %s, or ping%s -M "
		    "do -s %u %s), allow %s back to %s (NACL, security group, host firewall, "
		    "on-prem devices), and on %s set a per-route MTU towards %s (ip route change "
		    "%s mtu N) or clamp TCP MSS to what that hop carries, rather than lowering its "
		    "interface MTU",
		    b->s->big_ip_len, sh, dh, s->family == AF_INET6 ? " -6" : "",
		    b->s->big_ip_len - icmp_hdr, dh, alert_icmp_advice(s), sh, sh, dh, dh);
}

/* bh_json: the evidence both lines share. */
static void bh_json(json_t *o, const struct bh *b, const struct flow *f)
{
	char a[ADDR_STRLEN], ts[64];

	json_object_set_new(o, "confirmed", json_boolean(b->confirmed));
	json_object_set_new(o, "basis", json_string(b->confirmed ? "configured" : "observed"));
	json_object_set_new(o, "sender",
	                    json_string(addr_fmt(flow_side_addr(f, b->x, NULL), a, sizeof(a))));
	json_object_set_new(o, "receiver",
	                    json_string(addr_fmt(flow_side_addr(f, !b->x, NULL), a, sizeof(a))));
	json_object_set_new(o, "seq", json_integer(b->s->big_seq));
	json_object_set_new(o, "ip_len", json_integer(b->s->big_ip_len));
	json_object_set_new(o, "df", json_true());
	json_object_set_new(o, "retransmits", json_integer(b->s->big_retrans));
	json_object_set_new(o, "ptb_seen", json_false());
	json_object_set_new(o, "largest_passed", alert_json_uint_or_null(b->largest));
	json_object_set_new(o, "largest_passed_by_sender",
	                    alert_json_uint_or_null(b->s->acked_ip_len));
	json_object_set_new(o, "path_mtu", alert_json_uint_or_null(b->mtu));
	json_object_set_new(o, "path_mtu_source", b->mtu ? json_string(b->from) : json_null());
	json_object_set_new(o, "path_mtu_contradicted", json_boolean(b->contradicted));
	json_object_set_new(o, "first_sent",
	                    json_string(alert_fmt_ns(b->s->big_first_ns, ts, sizeof(ts))));
	json_object_set_new(o, "stalled_ms", json_integer(b->stalled_ns / 1000000));
	json_object_set_new(o, "other_session", b->other ? json_string(b->other) : json_null());
	json_object_set_new(o, "other_vni", b->other ? json_integer(b->other_vni) : json_null());
	json_object_set_new(o, "other_session_saw_it",
	                    b->other ? json_boolean(b->other_saw) : json_null());
	json_object_set_new(o, "other_session_largest_ip_len",
	                    b->other ? alert_json_uint_or_null(b->other_largest) : json_null());
}

/* bh_line_json: what kind of line it is: the alert, the recovered follow-up
 * (fallback: its size), or the withdrawn line (withdrawn: the reason). */
static void bh_line_json(json_t *o, uint32_t fallback, const char *withdrawn)
{
	json_object_set_new(o, "recovered_by_fallback", json_boolean(fallback != 0));
	json_object_set_new(o, "fallback_ip_len", alert_json_uint_or_null(fallback));
	json_object_set_new(o, "withdrawn", json_boolean(withdrawn != NULL));
	json_object_set_new(o, "withdrawn_reason",
	                    withdrawn ? json_string(withdrawn) : json_null());
}

/* bh_where_text: what the other end's mirror says, for the message ("" if none). */
static const char *bh_where_text(const struct pctx *c, const struct bh *b, char *buf, size_t len)
{
	char sh[ADDR_STRLEN];

	buf[0] = '\0';
	if (b->other == NULL)
		return buf;
	addr_fmt(flow_side_addr(c->flow, b->x, NULL), sh, sizeof(sh));
	if (!b->other_saw)
		snprintf(
		    buf, len,
		    ". Session %s, the other end's mirror, saw %s's smaller packets of this flow "
		    "(up to %u bytes) but never this one: it dies between the two mirror points "
		    "(after session %s, before session %s)",
		    b->other, sh, b->other_largest, c->sess->name, b->other);
	else
		snprintf(
		    buf, len,
		    ". Session %s saw it too (%u bytes), so it is lost beyond that mirror point, "
		    "or the ACKs are lost on the way back",
		    b->other, b->other_largest);
	return buf;
}

/* bh_why_observed: the evidence of an observed black hole, in words. */
static void bh_why_observed(const struct pctx *c, const struct bh *b, char *why, size_t len)
{
	char sh[ADDR_STRLEN], cfg[160] = "";

	addr_fmt(flow_side_addr(c->flow, b->x, NULL), sh, sizeof(sh));
	if (b->mtu != 0)
		snprintf(cfg, sizeof(cfg), "; the configured path MTU (%u, %s) %s", b->mtu, b->from,
		         b->contradicted ? "is contradicted: bigger segments got through"
		                         : "would carry it, so the config is wrong");
	if (b->largest_own)
		snprintf(
		    why, len,
		    "%s's own segments of up to %u bytes were acknowledged (ACK or SACK), so a "
		    "hop drops packets this big silently%s",
		    sh, b->largest, cfg);
	else
		snprintf(
		    why, len,
		    "segments of up to %u bytes in the other direction were acknowledged, so a "
		    "hop probably drops packets this big silently%s",
		    b->largest, cfg);
}

static void alert_stall(struct pctx *c, const struct bh *b)
{
	struct alert_flow fl = alert_flow_of(c->flow, b->x);
	char s[ADDR_STRLEN + 8], d[ADDR_STRLEN + 8], dh[ADDR_STRLEN], why[256], msg[1280], adv[768];
	char where[384];
	json_t *o;

	o = alert_new(c, ALERT_PMTUD_BLACKHOLE, "critical", &fl);
	if (o == NULL)
		return;
	bh_json(o, b, c->flow);
	bh_line_json(o, 0, NULL);
	addr_fmt(fl.dst, dh, sizeof(dh));
	if (b->confirmed)
		snprintf(why, sizeof(why), "the path MTU towards %s is %u (%s)", dh, b->mtu,
		         b->from);
	else
		bh_why_observed(c, b, why, sizeof(why));
	snprintf(msg, sizeof(msg),
	         "%s -> %s: a %u-byte DF segment (seq %u) was retransmitted %u times over %.1f s "
	         "and never acknowledged, and no ICMP packet-too-big came back; %s: PMTUD black "
	         "hole, the connection is stalled%s",
	         alert_fmt_ep(fl.src, true, fl.sport, s, sizeof(s)),
	         alert_fmt_ep(fl.dst, true, fl.dport, d, sizeof(d)), b->s->big_ip_len,
	         b->s->big_seq, b->s->big_retrans, (double)b->stalled_ns / 1e9, why,
	         bh_where_text(c, b, where, sizeof(where)));
	bh_advice(c, b, adv, sizeof(adv));
	alert_emit(c, ALERT_PMTUD_BLACKHOLE, o, msg, adv);
}

static void alert_fallback(struct pctx *c, const struct bh *b)
{
	struct alert_flow fl = alert_flow_of(c->flow, b->x);
	char sh[ADDR_STRLEN], dh[ADDR_STRLEN], msg[768], adv[768];
	json_t *o;

	o = alert_new(c, ALERT_PMTUD_BLACKHOLE, "warning", &fl);
	if (o == NULL)
		return;
	bh_json(o, b, c->flow);
	bh_line_json(o, b->s->fallback_ip_len, NULL);
	addr_fmt(fl.src, sh, sizeof(sh));
	addr_fmt(fl.dst, dh, sizeof(dh));
	snprintf(msg, sizeof(msg),
	         "%s fell back to %u-byte segments after its %u-byte segment (seq %u) stalled for "
	         "%.1f s, and %s acknowledged them: the connection recovered (e.g. Linux "
	         "tcp_mtu_probing), but the black hole for %u-byte packets remains and every new "
	         "connection stalls the same way first",
	         sh, b->s->fallback_ip_len, b->s->big_ip_len, b->s->big_seq,
	         (double)b->stalled_ns / 1e9, dh, b->s->big_ip_len);
	bh_advice(c, b, adv, sizeof(adv));
	alert_emit(c, ALERT_PMTUD_BLACKHOLE, o, msg, adv);
}

static void alert_withdraw(struct pctx *c, const struct bh *b, bool sack)
{
	struct alert_flow fl = alert_flow_of(c->flow, b->x);
	char sh[ADDR_STRLEN], dh[ADDR_STRLEN], msg[768];
	const char *how = sack ? "selectively acknowledged (SACK)" : "acknowledged";
	json_t *o;

	o = alert_new(c, ALERT_PMTUD_BLACKHOLE, "info", &fl);
	if (o == NULL)
		return;
	bh_json(o, b, c->flow);
	bh_line_json(o, 0, how);
	addr_fmt(fl.src, sh, sizeof(sh));
	addr_fmt(fl.dst, dh, sizeof(dh));
	snprintf(msg, sizeof(msg),
	         "withdrawn: %s's %u-byte segment (seq %u), reported as a PMTUD black hole, was "
	         "%s by %s %.1f s after it was first sent, at its full size: the path carries it, "
	         "the copies were lost, not too big",
	         sh, b->s->big_ip_len, b->s->big_seq, how, dh, (double)b->stalled_ns / 1e9);
	alert_emit(c, ALERT_PMTUD_BLACKHOLE, o, msg,
	           "none for the MTU; if stalls like this recur, look for packet loss on the path "
	           "(interface drops, queue overflows, a congested link)");
}

/* check_stall: the packet from side x is a retransmission of its tracked segment. */
static void check_stall(struct pctx *c, int x)
{
	struct flow_side *s = &c->flow->side[x];
	const struct packet *p = c->pkt;
	struct bh b;

	if (!(s->flags & FS_BIG) || s->big_retrans < c->conf->retransmit_threshold ||
	    p->seq != s->big_seq || p->payload_len == 0 || p->ip_len < s->big_ip_len)
		return;
	bh_init(c, x, &b);
	if (!bh_applies(c, &b) || !alert_claim(c->sink, c->flow, x, ALERT_PMTUD_BLACKHOLE))
		return;
	s->flags |= FS_BH_ALERTED;
	alert_stall(c, &b);
	det_path_failed(c, c->flow, x, s->big_ip_len);
}

/* check_recovery: the packet's ACK settled side x's tracked segment after a
 * fallback, or acknowledged the stalled segment itself after the alert. */
static void check_recovery(struct pctx *c, int x)
{
	struct flow_side *s = &c->flow->side[x];
	struct bh b;

	if (s->flags & FS_BH_ACKED) {
		bh_init(c, x, &b);
		alert_withdraw(c, &b, (s->flags & FS_BH_SACKED) != 0);
		s->flags &= (uint32_t) ~(FS_BH_ACKED | FS_BH_SACKED);
		return;
	}

	if (!(s->flags & FS_RECOVERED))
		return;
	if ((s->flags & FS_BH_ALERTED) && !(s->flags & FS_BH_FOLLOWUP)) {
		s->flags |= FS_BH_FOLLOWUP;
		bh_init(c, x, &b);
		alert_fallback(c, &b);
	}
	s->flags &= (uint32_t) ~(FS_RECOVERED | FS_BH_ALERTED);
}

static void detect_blackhole(struct pctx *c, void *state)
{
	(void)state;
	check_stall(c, c->side);
	check_recovery(c, !c->side);
}

const struct detector detector_blackhole = {"pmtud_blackhole", DET_EV_TCP, NULL, NULL,
                                            detect_blackhole};
