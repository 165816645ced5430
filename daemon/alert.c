/*
 * alert.c - formatting shared by every alert (alert.h): timestamps,
 * protocol names, endpoints, the ICMP advice text, "unknown" numbers.
 * No analyzer state: these are pure functions of their arguments.
 */
#include <stdio.h>
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
