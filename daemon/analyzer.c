/*
 * analyzer.c - the streaming path-MTU analyzer (analyzer.h; the alert
 * schema is docs/alerts.md).
 *
 * Per packet: find or create its flow (TCP/UDP), account the packet on the
 * sending side (flow_account), then run the checks.  Implemented:
 * oversize_df and mss_exceeds_path_mtu.  The other alert types hook in
 * at analyzer_packet(): ICMP errors before the flow lookup (through the
 * quoted header), retransmit tracking after flow_account().
 *
 * Every alert is deduplicated per flow, sending side and type: a flow's
 * two sides are two hosts, and each may need its own fix.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vxmirror/analyzer.h"
#include "vxmirror/flow.h"
#include "vxmirror/util.h"

#define DEFAULT_MAX_FLOWS 65536 /* when the config gives none */
#define TIMEOUT_MAX_S     (INT64_MAX / 1000000000)

static_assert(ALERT__MAX <= 8, "flow_side.alerted has one bit per alert type");

struct analyzer {
	struct analyzer_conf conf;
	analyzer_alert_cb cb;
	void *cb_arg;
	struct flow_table *flows;
	uint64_t alerts[ALERT__MAX];
	uint64_t suppressed;
};

/* The packet being analysed and where it stands. */
struct pctx {
	struct analyzer *an;
	const struct session_conf *sess;
	const struct addr *mirror_src;
	const struct packet *pkt;
	const struct pcap_ref *ref;
	struct flow *flow; /* NULL until the packet needs one */
	int side;          /* the sender's side of flow */
};

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

	if (conf != NULL)
		an->conf = *conf;
	if (an->conf.max_flows == 0)
		an->conf.max_flows = DEFAULT_MAX_FLOWS;
	an->cb = cb;
	an->cb_arg = arg;
	an->flows = flow_table_new(an->conf.max_flows);
	return an;
}

void analyzer_free(struct analyzer *an)
{
	if (an == NULL)
		return;
	flow_table_free(an->flows);
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

/* --- formatting helpers --- */

/* fmt_ts: RFC 3339 UTC with microseconds, "2026-11-23T08:56:11.123456Z". */
static const char *fmt_ts(const struct timespec *ts, char *buf, size_t len)
{
	time_t s = ts->tv_sec;
	long us = ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000 ? ts->tv_nsec / 1000 : 0;
	struct tm tm;
	char base[40];

	if (gmtime_r(&s, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		vx_strlcpy(base, "1970-01-01T00:00:00", sizeof(base));
	snprintf(buf, len, "%s.%06ldZ", base, us);
	return buf;
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP_:
		return "tcp";
	case IPPROTO_UDP_:
		return "udp";
	case IPPROTO_ICMP_:
		return "icmp";
	case IPPROTO_ICMP6_:
		return "icmpv6";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 132:
		return "sctp";
	default:
		return "other";
	}
}

/* fmt_ep: "198.18.1.1:443", "[2001:db8::1]:443", or the bare address without ports. */
static const char *fmt_ep(const struct addr *a, bool ports, uint16_t port, char *buf, size_t len)
{
	char h[ADDR_STRLEN];

	addr_fmt(a, h, sizeof(h));
	if (!ports)
		snprintf(buf, len, "%s", h);
	else if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", h, port);
	else
		snprintf(buf, len, "%s:%u", h, port);
	return buf;
}

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

/* icmp_advice: the ICMP error PMTUD needs, for this address family. */
static const char *icmp_advice(const struct addr *a)
{
	return a->family == AF_INET6 ? "ICMPv6 type 2 (packet too big)"
	                             : "ICMP type 3 code 4 (fragmentation needed)";
}

/* has_ports: TCP or UDP with its header decoded; these always get a flow entry. */
static bool has_ports(const struct packet *p)
{
	return (p->proto == IPPROTO_TCP_ || p->proto == IPPROTO_UDP_) && (p->flags & PKT_HAS_L4);
}

static uint32_t tcpip_hdr(const struct addr *a)
{
	return a->family == AF_INET6 ? 60 : 40;
}

/* default_mss: what a peer may send when no MSS was announced (RFC 9293, RFC 8200). */
static uint32_t default_mss(const struct addr *a)
{
	return a->family == AF_INET6 ? 1220 : 536;
}

/* --- building and emitting alerts --- */

static json_t *port_json(bool ports, uint16_t port)
{
	return ports ? json_integer(port) : json_null();
}

/* alert_new: the common head of an alert (ts .. flow) for a flow from src to dst. */
static json_t *alert_new(const struct pctx *c, enum alert_type t, const char *severity,
                         const struct addr *src, const struct addr *dst, bool ports, uint16_t sport,
                         uint16_t dport)
{
	char ts[64], s[ADDR_STRLEN], d[ADDR_STRLEN];
	const char *dir = direction(c->mirror_src, src, dst);
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "ts", fmt_ts(&c->pkt->ts, ts, sizeof(ts)),
	              "type", alert_type_name(t), "severity", severity, "session", c->sess->name,
	              "vni", (json_int_t)c->sess->vni);
	if (o == NULL)
		return NULL;
	if (dir != NULL)
		json_object_set_new(o, "direction", json_string(dir));
	json_object_set_new(
	    o, "flow",
	    json_pack("{s:s, s:s, s:o, s:s, s:o}", "proto", proto_name(c->pkt->proto), "src",
	              addr_fmt(src, s, sizeof(s)), "sport", port_json(ports, sport), "dst",
	              addr_fmt(dst, d, sizeof(d)), "dport", port_json(ports, dport)));
	return o;
}

/* alert_emit: add message, advice and pcap, hand the alert over, release it. */
static void alert_emit(struct pctx *c, enum alert_type t, json_t *o, const char *message,
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

/* pctx_flow: the packet's flow, created for packets without ports when first needed. */
static struct flow *pctx_flow(struct pctx *c)
{
	struct flow_key k;
	bool created;

	if (c->flow == NULL) {
		c->side = flow_key_make(&k, c->sess->vni, c->pkt);
		c->flow = flow_get(c->an->flows, &k, ts_ns(&c->pkt->ts), &created);
	}
	return c->flow;
}

/* alert_claim: true the first time `t` is raised for this side of the flow; counts repeats. */
static bool alert_claim(struct analyzer *an, struct flow *f, int side, enum alert_type t)
{
	uint8_t bit = (uint8_t)(1u << t);

	if (f->side[side].alerted & bit) {
		an->suppressed++;
		return false;
	}
	f->side[side].alerted |= bit;
	return true;
}

/* --- oversize_df --- */

static void oversize_text(const struct pctx *c, uint32_t mtu, const char *from, char *msg,
                          size_t msglen, char *adv, size_t advlen)
{
	const struct packet *p = c->pkt;
	bool ports = has_ports(p);
	char s[ADDR_STRLEN + 8], d[ADDR_STRLEN + 8], sh[ADDR_STRLEN], dh[ADDR_STRLEN];
	uint32_t hdr = tcpip_hdr(&p->src);

	addr_fmt(&p->src, sh, sizeof(sh));
	addr_fmt(&p->dst, dh, sizeof(dh));
	snprintf(msg, msglen,
	         "%s -> %s sent a %u-byte %s packet %s; the path MTU towards %s is %u (%s), "
	         "so it will be dropped",
	         fmt_ep(&p->src, ports, p->sport, s, sizeof(s)),
	         fmt_ep(&p->dst, ports, p->dport, d, sizeof(d)), p->ip_len, proto_name(p->proto),
	         p->ipver == 6 ? "(IPv6: never fragmented on the way)" : "with DF set", dh, mtu,
	         from);
	if (p->proto == IPPROTO_TCP_ && mtu > hdr)
		snprintf(adv, advlen,
		         "lower the MTU on %s to %u or clamp TCP MSS to %u on the path towards "
		         "%s, and allow %s back to %s so PMTUD can work",
		         sh, mtu, mtu - hdr, dh, icmp_advice(&p->src), sh);
	else
		snprintf(adv, advlen,
		         "lower the MTU on %s to %u (or send smaller datagrams), and allow %s "
		         "back to %s so PMTUD can work",
		         sh, mtu, icmp_advice(&p->src), sh);
}

/* check_oversize_df: a DF packet bigger than the path MTU towards its destination. */
static void check_oversize_df(struct pctx *c)
{
	const struct packet *p = c->pkt;
	bool ports = has_ports(p);
	char from[ADDR_STRLEN + 16], msg[512], adv[512];
	uint32_t mtu;
	json_t *o;

	if (!(p->flags & PKT_DF) || (p->flags & PKT_FRAGMENT))
		return;
	mtu = path_mtu_lookup(c->sess, &p->dst, NULL, 0); /* no formatting per packet */
	if (mtu == 0 || p->ip_len <= mtu)
		return;
	if (!alert_claim(c->an, pctx_flow(c), c->side, ALERT_OVERSIZE_DF))
		return;
	path_mtu_lookup(c->sess, &p->dst, from, sizeof(from));
	o = alert_new(c, ALERT_OVERSIZE_DF, "warning", &p->src, &p->dst, ports, p->sport, p->dport);
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

/* --- mss_exceeds_path_mtu --- */

/* What one side of a completed handshake may send, and why. */
struct mss_eval {
	int side;
	const struct addr *sender, *peer;
	uint16_t sport, dport;
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
	e->sender = flow_side_addr(f, x, &e->sport);
	e->peer = flow_side_addr(f, !x, &e->dport);
	e->has_own = s->flags & FS_HAS_MSS;
	e->own = s->mss;
	e->received_default = !(peer->flags & FS_HAS_MSS);
	e->received = e->received_default ? default_mss(e->sender) : peer->mss;
	e->send_size = (e->has_own ? MIN(e->received, e->own) : e->received) + tcpip_hdr(e->sender);
	e->mtu = path_mtu_lookup(c->sess, e->peer, e->from, sizeof(e->from));
}

static void mss_text(const struct mss_eval *e, char *msg, size_t msglen, char *adv, size_t advlen)
{
	char sh[ADDR_STRLEN], ph[ADDR_STRLEN], recv[64], own[32];
	uint32_t hdr = tcpip_hdr(e->sender);

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
	         "lower the MTU on %s to %u or clamp TCP MSS to %u on the path towards %s; until "
	         "then %s must reach %s",
	         sh, e->mtu, e->mtu > hdr ? e->mtu - hdr : 0, ph, icmp_advice(e->sender), sh);
}

static void alert_mss(struct pctx *c, const struct mss_eval *e)
{
	char sh[ADDR_STRLEN], msg[512], adv[512];
	json_t *o;

	o = alert_new(c, ALERT_MSS_EXCEEDS_PATH_MTU, "warning", e->sender, e->peer, true, e->sport,
	              e->dport);
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

/* check_handshake: once per connection, when the SYN-ACK completes it. */
static void check_handshake(struct pctx *c)
{
	struct flow *f = c->flow;
	struct mss_eval e;

	if (f == NULL || !(f->state & FLOW_HANDSHAKE) || (f->state & FLOW_HS_CHECKED))
		return;
	f->state |= FLOW_HS_CHECKED;
	if ((f->side[0].flags | f->side[1].flags) & FS_MSS_UNKNOWN)
		return; /* an MSS we could not read is no evidence either way */
	for (int x = 0; x < 2; x++) {
		mss_eval(c, f, x, &e);
		if (e.mtu == 0 || e.send_size <= e.mtu)
			continue;
		if (alert_claim(c->an, f, x, ALERT_MSS_EXCEEDS_PATH_MTU))
			alert_mss(c, &e);
	}
}

/* --- the entry point --- */

void analyzer_packet(struct analyzer *an, const struct session_conf *sess,
                     const struct addr *mirror_src, const struct packet *pkt,
                     const struct pcap_ref *ref)
{
	struct pctx c = {an, sess, mirror_src, pkt, ref, NULL, 0};

	if (sess == NULL || (pkt->ipver != 4 && pkt->ipver != 6))
		return;
	if (has_ports(pkt)) {
		pctx_flow(&c);
		flow_account(an->flows, c.flow, c.side, pkt);
	}
	check_oversize_df(&c);
	if (pkt->proto == IPPROTO_TCP_)
		check_handshake(&c);
}
