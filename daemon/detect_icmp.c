/*
 * detect_icmp.c - icmp_ptb and ptb_ignored (docs/alerts.md).
 *
 * An ICMP fragmentation-needed (type 3 code 4) or ICMPv6 packet-too-big
 * (type 2) is matched to its flow through the header it quotes: the quoted
 * packet was sent by the flow's side quoted.src.  The PTB is recorded on
 * that side (FS_PTB_SEEN, the lowest MTU, the time), which rules out
 * pmtud_blackhole for it and arms ptb_ignored: the same side keeps sending
 * DF packets bigger than the PTB's MTU, later than packets already in
 * flight could explain.
 */
#include <stdio.h>

#include "vxmirror/alert.h"
#include "vxmirror/detector.h"

#define PTB_WINDOW_NS (10 * (int64_t)1000000000) /* later, a PMTU cache may expire by design */
#define PTB_IGNORED_N 2                          /* oversized DF packets inside the window */

/* ptb_limit: the size the PTB says fits; an old-style PTB with MTU 0
 * (RFC 1191 section 4) only says the quoted packet was too big. */
static uint32_t ptb_limit(const struct packet *p)
{
	if (p->icmp_mtu != 0)
		return p->icmp_mtu;
	return p->quoted.ip_len > 1 ? p->quoted.ip_len - 1 : 0;
}

/* ptb_record: note the PTB on side x of f. */
static void ptb_record(struct flow_side *s, const struct packet *p)
{
	uint32_t lim = ptb_limit(p);

	if (!(s->flags & FS_PTB_SEEN) || s->ptb_mtu == 0 || (lim != 0 && lim < s->ptb_mtu)) {
		s->ptb_mtu = lim;
		s->ptb_over = 0;
	}
	s->flags |= FS_PTB_SEEN;
	s->ptb_ns = ts_ns(&p->ts);
}

static void ptb_text(const struct packet *p, const struct alert_flow *fl, char *msg, size_t msglen,
                     char *adv, size_t advlen)
{
	char r[ADDR_STRLEN], sh[ADDR_STRLEN], d[ADDR_STRLEN + 8], mtu[48];
	uint32_t hdr = det_tcpip_hdr(fl->src);

	addr_fmt(&p->src, r, sizeof(r));
	addr_fmt(fl->src, sh, sizeof(sh));
	alert_fmt_ep(fl->dst, fl->ports, fl->dport, d, sizeof(d));
	if (p->icmp_mtu != 0)
		snprintf(mtu, sizeof(mtu), "MTU %u", p->icmp_mtu);
	else
		snprintf(mtu, sizeof(mtu), "no MTU given");
	snprintf(msg, msglen,
	         "%s told %s that its %u-byte %s packet to %s does not fit the next hop (%s): "
	         "PMTUD is working, smaller packets should follow",
	         r, sh, p->quoted.ip_len, alert_proto_name(fl->proto), d, mtu);
	if (p->icmp_mtu > hdr && fl->proto == IPPROTO_TCP_)
		snprintf(
		    adv, advlen,
		    "nothing to do if smaller packets now get through; to save the round trip, "
		    "clamp TCP MSS to %u on the path towards %s, or set a per-route MTU on %s "
		    "(ip route change %s mtu %u)",
		    p->icmp_mtu - hdr, addr_fmt(fl->dst, r, sizeof(r)), sh, r, p->icmp_mtu);
	else
		snprintf(
		    adv, advlen,
		    "nothing to do if smaller packets now get through; to save the round trip, "
		    "set a per-route MTU on %s towards %s to what the path carries",
		    sh, addr_fmt(fl->dst, r, sizeof(r)));
}

static void alert_ptb(struct pctx *c, const struct alert_flow *fl, bool known)
{
	const struct packet *p = c->pkt;
	char r[ADDR_STRLEN], msg[512], adv[768];
	json_t *o;

	o = alert_new(c, ALERT_ICMP_PTB, "info", fl);
	if (o == NULL)
		return;
	json_object_set_new(o, "mtu",
	                    alert_json_uint_or_null(p->icmp_mtu)); /* 0: pre-RFC 1191 router */
	json_object_set_new(o, "reporter", json_string(addr_fmt(&p->src, r, sizeof(r))));
	json_object_set_new(o, "quoted_ip_len", json_integer(p->quoted.ip_len));
	json_object_set_new(o, "quoted_seq",
	                    p->quoted.has_seq ? json_integer(p->quoted.seq) : json_null());
	json_object_set_new(o, "flow_known", json_boolean(known));
	ptb_text(p, fl, msg, sizeof(msg), adv, sizeof(adv));
	alert_emit(c, ALERT_ICMP_PTB, o, msg, adv);
}

static void detect_ptb(struct pctx *c, void *state)
{
	const struct packet *p = c->pkt;
	const struct quoted *q = &p->quoted;
	struct alert_flow fl;
	struct flow_key k;
	struct flow *f;
	bool known, created;
	int x;

	(void)state; /* no per-worker state */
	if (!(p->flags & PKT_PTB) || !(p->flags & PKT_QUOTED) || q->src.family == 0 ||
	    q->src.family != q->dst.family)
		return;
	fl = (struct alert_flow){q->proto, q->has_ports && packet_proto_has_ports(q->proto),
	                         &q->src,  &q->dst,
	                         q->sport, q->dport};
	x = flow_key_set(&k, c->sess->vni, q->proto, &q->src, fl.ports ? q->sport : 0, &q->dst,
	                 fl.ports ? q->dport : 0);
	known = det_flow_lookup(c, &k) != NULL;
	/* Keep it even for a flow not seen yet: its next packets must find the PTB. */
	f = det_flow_get(c, &k, &created);
	ptb_record(&f->side[x], p);
	if (alert_claim(c->sink, f, x, ALERT_ICMP_PTB))
		alert_ptb(c, &fl, known);
	if (known && p->icmp_mtu != 0)
		det_path_ptb(c, f, x, p->icmp_mtu, q->ip_len);
}

/* --- ptb_ignored --- */

static void alert_ignored(struct pctx *c, const struct flow_side *s)
{
	const struct packet *p = c->pkt;
	struct alert_flow fl = {p->proto, packet_has_ports(p), &p->src, &p->dst, p->sport,
	                        p->dport};
	char sh[ADDR_STRLEN], dh[ADDR_STRLEN], ts[64], msg[512], adv[768];
	json_t *o;

	o = alert_new(c, ALERT_PTB_IGNORED, "warning", &fl);
	if (o == NULL)
		return;
	json_object_set_new(o, "ptb_mtu", json_integer(s->ptb_mtu));
	json_object_set_new(o, "ptb_ts", json_string(alert_fmt_ns(s->ptb_ns, ts, sizeof(ts))));
	json_object_set_new(o, "ip_len", json_integer(p->ip_len));
	json_object_set_new(o, "df", json_true());
	json_object_set_new(o, "packets_after_ptb", json_integer(s->ptb_over));
	addr_fmt(&p->src, sh, sizeof(sh));
	addr_fmt(&p->dst, dh, sizeof(dh));
	snprintf(msg, sizeof(msg),
	         "%s keeps sending %u-byte DF packets to %s although an ICMP packet-too-big "
	         "quoting this flow said %u bytes fit (latest at %s): %u such packets, each more "
	         "than 100 ms after a PTB, so not just packets already in flight",
	         sh, p->ip_len, dh, s->ptb_mtu, ts, s->ptb_over);
	if (p->ipver == 6)
		snprintf(
		    adv, sizeof(adv),
		    "the PTB reached the mirror but apparently not the sender's IP stack: check "
		    "the host firewall on %s for inbound %s",
		    sh, alert_icmp_advice(&p->src));
	else
		snprintf(
		    adv, sizeof(adv),
		    "the PTB reached the mirror but apparently not the sender's IP stack: check "
		    "the host firewall on %s for inbound %s, and that PMTUD is on "
		    "(net.ipv4.ip_no_pmtu_disc = 0)",
		    sh, alert_icmp_advice(&p->src));
	alert_emit(c, ALERT_PTB_IGNORED, o, msg, adv);
}

static void detect_ptb_ignored(struct pctx *c, void *state)
{
	const struct packet *p = c->pkt;
	struct flow_side *s;
	int64_t dt;

	(void)state; /* no per-worker state */
	if (!(p->flags & PKT_DF) || (p->flags & PKT_FRAGMENT) || det_find(c) == NULL)
		return;
	s = &c->flow->side[c->side];
	if (!(s->flags & FS_PTB_SEEN) || s->ptb_mtu == 0 || p->ip_len <= s->ptb_mtu)
		return;
	dt = ts_ns(&p->ts) - s->ptb_ns;
	if (dt < DET_PTB_GRACE_NS || dt > PTB_WINDOW_NS)
		return;
	if (s->ptb_over < UINT8_MAX)
		s->ptb_over++;
	if (s->ptb_over >= PTB_IGNORED_N &&
	    alert_claim(c->sink, c->flow, c->side, ALERT_PTB_IGNORED))
		alert_ignored(c, s);
}

const struct detector detector_ptb = {"icmp_ptb", DET_EV_PTB, NULL, NULL, detect_ptb};
const struct detector detector_ptb_ignored = {"ptb_ignored", DET_EV_DF, NULL, NULL,
                                              detect_ptb_ignored};
