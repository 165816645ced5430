/*
 * alert.c - formatting shared by every alert (alert.h): timestamps,
 * protocol names, endpoints, the ICMP advice text, "unknown" numbers.
 * No analyzer state: these are pure functions of their arguments.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vxmirror/alert.h"
#include "vxmirror/packet.h"
#include "vxmirror/util.h"

const char *alert_fmt_ts(const struct timespec *ts, char *buf, size_t len)
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

int alert_parse_ts(const char *s, struct timespec *ts)
{
	struct tm tm;
	const char *p;
	long ns = 0, mul = 100000000L;

	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, mul /= 10)
			ns += (*p - '0') * mul;
	if (*p != 'Z' || p[1] != '\0')
		return -1;
	ts->tv_sec = timegm(&tm);
	ts->tv_nsec = ns;
	return 0;
}

const char *alert_fmt_ns(int64_t ns, char *buf, size_t len)
{
	struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};

	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000;
	}
	return alert_fmt_ts(&ts, buf, len);
}

const char *alert_proto_name(uint8_t proto)
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

const char *alert_fmt_ep(const struct addr *a, bool ports, uint16_t port, char *buf, size_t len)
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

const char *alert_icmp_advice(const struct addr *a)
{
	return a->family == AF_INET6 ? "ICMPv6 type 2 (packet too big)"
	                             : "ICMP type 3 code 4 (fragmentation needed)";
}

json_t *alert_json_uint_or_null(uint32_t v)
{
	return v != 0 ? json_integer(v) : json_null();
}

static_assert(ALERT_SESSION_SILENT <= 8, "flow_side.alerted has one bit per flow alert type");

/* direction: seen from the mirrored ENI; NULL when that is unknown. */
static const char *alert_direction(const struct addr *mirror, const struct addr *src,
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

struct alert_flow alert_flow_of(const struct flow *f, int x)
{
	struct alert_flow fl = {.proto = f->key.proto};

	fl.ports = packet_proto_has_ports(f->key.proto);
	fl.src = flow_side_addr(f, x, &fl.sport);
	fl.dst = flow_side_addr(f, !x, &fl.dport);
	return fl;
}

/* --- building and emitting alerts --- */

static json_t *port_json(bool ports, uint16_t port)
{
	return ports ? json_integer(port) : json_null();
}

json_t *alert_head(const char *ts, enum alert_type t, const char *severity, const char *session,
                   uint32_t vni, const struct addr *mirror_src)
{
	char m[ADDR_STRLEN];
	json_t *o;

	/* The automatic "capture" session of -r has no VNI: null. */
	o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "ts", ts, "type", alert_type_name(t), "severity",
	              severity, "session", session, "vni",
	              vni <= 0xffffff ? json_integer(vni) : json_null());
	if (o == NULL)
		return NULL;
	/* the outer source: the mirrored ENI (null for a capture's plain frames) */
	json_object_set_new(o, "mirror_source",
	                    mirror_src != NULL ? json_string(addr_fmt(mirror_src, m, sizeof(m)))
	                                       : json_null());
	return o;
}

json_t *alert_new(const struct pctx *c, enum alert_type t, const char *severity,
                  const struct alert_flow *fl)
{
	char ts[64], s[ADDR_STRLEN], d[ADDR_STRLEN];
	const char *dir = alert_direction(c->mirror_src, fl->src, fl->dst);
	json_t *o;

	o = alert_head(alert_fmt_ts(&c->pkt->ts, ts, sizeof(ts)), t, severity, c->sess->name,
	               c->sess->vni, c->mirror_src);
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

void alert_tail(json_t *o, const char *message, const char *advice, const struct pcap_ref *ref)
{
	json_object_set_new(o, "message", json_string(message));
	json_object_set_new(o, "advice", json_string(advice));
	json_object_set_new(o, "pcap",
	                    ref != NULL ? json_pack("{s:s, s:I}", "file", ref->file, "frame",
	                                            (json_int_t)ref->frame)
	                                : json_null());
}

void alert_emit(struct pctx *c, enum alert_type t, json_t *o, const char *message,
                const char *advice)
{
	struct alert_sink *sk = c->sink;

	alert_tail(o, message, advice, c->ref);
	sk->counts[t]++;
	if (sk->cb != NULL)
		sk->cb(sk->arg, t, o);
	json_decref(o);
}

bool alert_claim(struct alert_sink *sk, struct flow *f, int side, enum alert_type t)
{
	uint8_t bit = (uint8_t)(1u << t);

	assert(t < ALERT_SESSION_SILENT);
	if (f->side[side].alerted & bit) {
		sk->suppressed++;
		return false;
	}
	f->side[side].alerted |= bit;
	return true;
}
