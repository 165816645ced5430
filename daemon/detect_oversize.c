/*
 * detect_oversize.c - oversize_df: a packet that may not be fragmented
 * (IPv4 DF, or any IPv6 packet) bigger than the path MTU towards its
 * destination.  At the mirror point it has not crossed the path yet: this
 * is the drop that is about to happen.  Needs a configured path MTU.
 */
#include <stdio.h>

#include "vxmirror/alert.h"
#include "vxmirror/detector.h"

static void oversize_text(const struct pctx *c, uint32_t mtu, const char *from, char *msg,
                          size_t msglen, char *adv, size_t advlen)
{
	const struct packet *p = c->pkt;
	bool ports = packet_has_ports(p);
	char s[ADDR_STRLEN + 8], d[ADDR_STRLEN + 8], sh[ADDR_STRLEN], dh[ADDR_STRLEN];
	uint32_t hdr = det_tcpip_hdr(&p->src);

	addr_fmt(&p->src, sh, sizeof(sh));
	addr_fmt(&p->dst, dh, sizeof(dh));
	snprintf(msg, msglen,
	         "%s -> %s sent a %u-byte %s packet %s; the path MTU towards %s is %u (%s), "
	         "so it will be dropped",
	         alert_fmt_ep(&p->src, ports, p->sport, s, sizeof(s)),
	         alert_fmt_ep(&p->dst, ports, p->dport, d, sizeof(d)), p->ip_len,
	         alert_proto_name(p->proto),
	         p->ipver == 6 ? "(IPv6: never fragmented on the way)" : "with DF set", dh, mtu,
	         from);
	if (p->proto == IPPROTO_TCP_ && mtu > hdr)
		snprintf(adv, advlen,
		         "lower the MTU on %s to %u or clamp TCP MSS to %u on the path towards "
		         "%s, and allow %s back to %s so PMTUD can work",
		         sh, mtu, mtu - hdr, dh, alert_icmp_advice(&p->src), sh);
	else
		snprintf(adv, advlen,
		         "lower the MTU on %s to %u (or send smaller datagrams), and allow %s "
		         "back to %s so PMTUD can work",
		         sh, mtu, alert_icmp_advice(&p->src), sh);
}

static void detect_oversize_df(struct pctx *c, void *state)
{
	const struct packet *p = c->pkt;
	char from[ADDR_STRLEN + 16], msg[512], adv[512];
	struct alert_flow fl = {p->proto, packet_has_ports(p), &p->src, &p->dst, p->sport,
	                        p->dport};
	uint32_t mtu;
	json_t *o;

	(void)state; /* no per-worker state */
	if (!(p->flags & PKT_DF) || (p->flags & PKT_FRAGMENT))
		return;
	mtu = path_mtu_lookup(c->sess, &p->dst, NULL, 0); /* no formatting per packet */
	if (mtu == 0 || p->ip_len <= mtu)
		return;
	if (!alert_claim(c->sink, det_flow(c), c->side, ALERT_OVERSIZE_DF))
		return;
	path_mtu_lookup(c->sess, &p->dst, from, sizeof(from));
	o = alert_new(c, ALERT_OVERSIZE_DF, "warning", &fl);
	if (o == NULL)
		return;
	json_object_set_new(o, "ip_len", json_integer(p->ip_len));
	json_object_set_new(o, "path_mtu", json_integer(mtu));
	json_object_set_new(o, "path_mtu_source", json_string(from));
	json_object_set_new(o, "df", json_true());
	json_object_set_new(o, "truncated", json_boolean(p->flags & PKT_TRUNCATED));
	oversize_text(c, mtu, from, msg, sizeof(msg), adv, sizeof(adv));
	alert_emit(c, ALERT_OVERSIZE_DF, o, msg, adv);
}

const struct detector detector_oversize = {"oversize_df", DET_EV_DF, NULL, NULL,
                                           detect_oversize_df};
