/*
 * alert.h - formatting shared by every alert type (alert.c); the schema
 * is docs/alerts.md.
 */
#ifndef VXMIRROR_ALERT_H
#define VXMIRROR_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

#include "vxmirror/addr.h"

/* alert_fmt_ts: RFC 3339 UTC with microseconds, "2026-11-23T08:56:11.123456Z". */
const char *alert_fmt_ts(const struct timespec *ts, char *buf, size_t len);
/* alert_fmt_ns: the same for packet time in nanoseconds. */
const char *alert_fmt_ns(int64_t ns, char *buf, size_t len);
/* alert_proto_name: "tcp", "udp", "icmp", "icmpv6", ... or "other". */
const char *alert_proto_name(uint8_t proto);
/* alert_fmt_ep: "198.18.1.1:443", "[2001:db8::1]:443", or the bare address without ports. */
const char *alert_fmt_ep(const struct addr *a, bool ports, uint16_t port, char *buf, size_t len);
/* alert_icmp_advice: the ICMP error PMTUD needs, for this address family. */
const char *alert_icmp_advice(const struct addr *a);
/* alert_json_uint_or_null: an integer, or null when v is 0 ("not known"). */
json_t *alert_json_uint_or_null(uint32_t v);

#endif
