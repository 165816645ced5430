/*
 * detect_oversize.c - oversize_df: a packet that may not be fragmented
 * (IPv4 DF, or any IPv6 packet) bigger than the path MTU towards its
 * destination.  At the mirror point it has not crossed the path yet: this
 * is the drop that is about to happen.  Basis `configured`: bigger than the
 * configured path MTU, unless the traffic proved the config too low (a
 * bigger DF packet towards the destination was acknowledged).  Basis
 * `observed`: no MTU configured (or trusted), but the path map knows the
 * path towards the destination fails at this size (a black hole or a PTB
 * of another flow): any protocol, so UDP too.
 */
#include <stdio.h>

#include "vxmirror/alert.h"
#include "vxmirror/detector.h"
#include "vxmirror/util.h"

/* sent_text: "SRC -> DST sent a N-byte PROTO packet with DF set", the start
 * of both messages. */
static const char *sent_text(const struct packet *p, char *buf, size_t len)
{
	bool ports = packet_has_ports(p);
	char s[ADDR_STRLEN + 8], d[ADDR_STRLEN + 8];

	snprintf(buf, len, "%s -> %s sent a %u-byte %s packet %s",
	         alert_fmt_ep(&p->src, ports, p->sport, s, sizeof(s)),
	         alert_fmt_ep(&p->dst, ports, p->dport, d, sizeof(d)), p->ip_len,
	         alert_proto_name(p->proto),
	         p->ipver == 6 ? "(IPv6: never fragmented on the way)" : "with DF set");
	return buf;
}

static void oversize_text(const struct pctx *c, uint32_t mtu, const char *from, char *msg,
                          size_t msglen, char *adv, size_t advlen)
{
	const struct packet *p = c->pkt;
	char sent[2 * ADDR_STRLEN + 96], sh[ADDR_STRLEN], dh[ADDR_STRLEN];
	uint32_t hdr = det_tcpip_hdr(&p->src);

	addr_fmt(&p->src, sh, sizeof(sh));
	addr_fmt(&p->dst, dh, sizeof(dh));
	snprintf(msg, msglen, "%s; the path MTU towards %s is %u (%s), so it will be dropped",
	         sent_text(p, sent, sizeof(sent)), dh, mtu, from);
	if (p->proto == IPPROTO_TCP_ && mtu > hdr)
		snprintf(adv, advlen,
		         "on %s set a per-route MTU (ip route change %s mtu %u) or clamp TCP MSS "
		         "to %u on the path towards %s (narrower than lowering its interface "
		         "MTU), and allow %s back to %s so PMTUD can work",
		         sh, dh, mtu, mtu - hdr, dh, alert_icmp_advice(&p->src), sh);
	else
		snprintf(adv, advlen,
		         "send smaller datagrams to %s, or on %s set a per-route MTU (ip route "
		         "change %s mtu %u) rather than lowering its interface MTU, and allow %s "
		         "back to %s so PMTUD can work",
		         dh, sh, dh, mtu, alert_icmp_advice(&p->src), sh);
}

/* observed_limit: the size the path towards dst is known to fail at, from
 * the path map (a black hole, or a PTB's MTU + 1); 0 when none. */
static uint32_t observed_limit(const struct pctx *c, const struct addr *dst, const char **why)
{
	const struct path_rec *r = det_path(c, dst);
	uint32_t lim = 0;

	if (r == NULL)
		return 0;
	/* Packets already in flight when the PTB came are not ignoring it. */
	if (r->ptb_mtu != 0 && ts_ns(&c->pkt->ts) - r->ptb_ns >= DET_PTB_GRACE_NS) {
		lim = r->ptb_mtu + 1;
		*why = "a packet-too-big for this destination";
	}
	if (r->failed_min != 0 && (lim == 0 || r->failed_min < lim)) {
		lim = r->failed_min;
		*why = "a black hole towards this destination";
	}
	return lim;
}

/* blackholed: the packet's own flow side already has pmtud_blackhole,
 * which says more than an observed oversize_df would. */
static bool blackholed(struct pctx *c)
{
	const struct flow *f = det_find(c);

	/* Its own PTB: whether it obeys is ptb_ignored's question. */
	return f != NULL && ((f->side[c->side].alerted & (1u << ALERT_PMTUD_BLACKHOLE)) ||
	                     (f->side[c->side].flags & FS_PTB_SEEN));
}

/* observed_text: what the path map knows, for a packet at or above `lim`. */
static void observed_text(const struct pctx *c, uint32_t lim, const char *why, char *msg,
                          size_t msglen, char *adv, size_t advlen)
{
	const struct packet *p = c->pkt;
	const struct path_rec *r = det_path(c, &p->dst);
	char sent[2 * ADDR_STRLEN + 96], sh[ADDR_STRLEN], dh[ADDR_STRLEN], lo[48] = "";

	addr_fmt(&p->src, sh, sizeof(sh));
	addr_fmt(&p->dst, dh, sizeof(dh));
	if (r != NULL && r->passed_max != 0)
		snprintf(lo, sizeof(lo), " (%u bytes got through)", r->passed_max);
	snprintf(msg, msglen,
	         "%s, and the path towards %s is known to drop packets of %u bytes or more (%s)%s, "
	         "so it will be lost",
	         sent_text(p, sent, sizeof(sent)), dh, lim, why, lo);
	snprintf(adv, advlen,
	         "send smaller packets towards %s: a per-route MTU on %s (ip route change %s mtu "
	         "N, with N below %u: find it with tracepath %s) or%s smaller datagrams, before "
	         "lowering the host's MTU; and allow %s back to %s so PMTUD can work",
	         dh, sh, dh, lim, dh, p->proto == IPPROTO_TCP_ ? " TCP MSS clamping, or" : "",
	         alert_icmp_advice(&p->src), sh);
}

static void detect_oversize_df(struct pctx *c, void *state)
{
	const struct packet *p = c->pkt;
	char from[ADDR_STRLEN + 64], msg[640], adv[768];
	struct alert_flow fl = {p->proto, packet_has_ports(p), &p->src, &p->dst, p->sport,
	                        p->dport};
	uint32_t mtu, floor = p->ipver == 6 ? 1280 : 576;
	const char *why = NULL;
	bool observed = false;
	json_t *o;

	(void)state; /* no per-worker state */
	if (!(p->flags & PKT_DF) || (p->flags & PKT_FRAGMENT))
		return;
	mtu = path_mtu_lookup(c->sess, &p->dst, NULL, 0); /* no formatting per packet */
	if (mtu != 0 && p->ip_len > mtu) {
		/* The config says too big; unless the traffic says the config is too low. */
		if (path_too_low(det_path(c, &p->dst), mtu))
			mtu = 0;
	} else {
		mtu = 0;
	}
	if (mtu == 0 && p->ip_len > floor && c->path_limits && !blackholed(c)) {
		/* Nothing configured (or trusted): what other flows proved. */
		uint32_t lim = observed_limit(c, &p->dst, &why);
		if (lim != 0 && p->ip_len >= lim) {
			mtu = lim - 1;
			observed = true;
		}
	}
	if (mtu == 0)
		return;
	if (!alert_claim(c->sink, det_flow(c), c->side, ALERT_OVERSIZE_DF))
		return;
	if (observed)
		snprintf(from, sizeof(from), "observed: %s", why);
	else
		path_mtu_lookup(c->sess, &p->dst, from, sizeof(from));
	o = alert_new(c, ALERT_OVERSIZE_DF, "warning", &fl);
	if (o == NULL)
		return;
	json_object_set_new(o, "ip_len", json_integer(p->ip_len));
	json_object_set_new(o, "path_mtu", json_integer(mtu));
	json_object_set_new(o, "path_mtu_source", json_string(from));
	json_object_set_new(o, "basis", json_string(observed ? "observed" : "configured"));
	json_object_set_new(o, "df", json_true());
	json_object_set_new(o, "truncated", json_boolean(p->flags & PKT_TRUNCATED));
	if (observed)
		observed_text(c, mtu + 1, why, msg, sizeof(msg), adv, sizeof(adv));
	else
		oversize_text(c, mtu, from, msg, sizeof(msg), adv, sizeof(adv));
	alert_emit(c, ALERT_OVERSIZE_DF, o, msg, adv);
}

const struct detector detector_oversize = {"oversize_df", DET_EV_DF, NULL, NULL,
                                           detect_oversize_df};
