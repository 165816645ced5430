/*
 * addr.c - IPv4/IPv6 addresses, CIDR prefixes and listen endpoints.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vxmirror/addr.h"
#include "vxmirror/util.h"

static size_t addr_bytes(const struct addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

void addr_set4(struct addr *a, const uint8_t b[4])
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->a, b, 4);
}

void addr_set6(struct addr *a, const uint8_t b[16])
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	memcpy(a->a, b, 16);
}

bool addr_eq(const struct addr *x, const struct addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

int addr_cmp(const struct addr *x, const struct addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, 16);
}

const char *addr_fmt(const struct addr *a, char *buf, size_t len)
{
	if (a->family != AF_INET && a->family != AF_INET6) {
		vx_strlcpy(buf, "?", len);
		return buf;
	}
	if (inet_ntop(a->family, a->a, buf, (socklen_t)len) == NULL)
		vx_strlcpy(buf, "?", len);
	return buf;
}

int addr_parse(const char *s, struct addr *a)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, s, b) == 1) {
		addr_set4(a, b);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		addr_set6(a, b);
		return 0;
	}
	return -1;
}

int addr_from_sockaddr(const struct sockaddr *sa, struct addr *a)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		addr_set4(a, (const uint8_t *)&sin->sin_addr);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *b = (const uint8_t *)&sin6->sin6_addr;
		if (memcmp(b, v4mapped, 12) == 0)
			addr_set4(a, b + 12);
		else
			addr_set6(a, b);
		return 0;
	}
	return -1;
}

/* mask_ok: true when no bit past plen is set. */
static bool mask_ok(const struct addr *a, unsigned plen)
{
	size_t n = addr_bytes(a);

	for (size_t i = 0; i < n; i++) {
		unsigned bit0 = (unsigned)i * 8;
		uint8_t keep;
		if (bit0 + 8 <= plen)
			continue;
		keep = bit0 >= plen ? 0 : (uint8_t)(0xff << (8 - (plen - bit0)));
		if (a->a[i] & (uint8_t)~keep)
			return false;
	}
	return true;
}

int cidr_parse(const char *s, struct cidr *c, const char **why)
{
	char buf[ADDR_STRLEN + 8];
	char *slash, *end;
	unsigned long plen;
	unsigned maxlen;

	if (strlen(s) >= sizeof(buf)) {
		*why = "too long";
		return -1;
	}
	vx_strlcpy(buf, s, sizeof(buf));
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (addr_parse(buf, &c->addr) == -1) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	maxlen = c->addr.family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		c->plen = (uint8_t)maxlen;
		return 0;
	}
	errno = 0;
	plen = strtoul(slash, &end, 10);
	if (*slash == '\0' || *end != '\0' || errno != 0 || plen > maxlen) {
		*why = c->addr.family == AF_INET ? "prefix length must be 0..32"
		                                 : "prefix length must be 0..128";
		return -1;
	}
	c->plen = (uint8_t)plen;
	if (!mask_ok(&c->addr, c->plen)) {
		*why = "host bits set after the prefix length";
		return -1;
	}
	return 0;
}

bool cidr_contains(const struct cidr *c, const struct addr *a)
{
	unsigned full = c->plen / 8, rest = c->plen % 8;

	if (c->addr.family != a->family)
		return false;
	if (memcmp(c->addr.a, a->a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((c->addr.a[full] ^ a->a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

const char *cidr_fmt(const struct cidr *c, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", addr_fmt(&c->addr, a, sizeof(a)), c->plen);
	return buf;
}

int endpoint_parse(const char *s, struct endpoint *ep, const char **why)
{
	char host[ADDR_STRLEN + 8];
	const char *port;
	unsigned long pnum;
	char *end;
	struct addr a;
	size_t hlen;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':') {
			*why = "expected [IPv6]:port";
			return -1;
		}
		hlen = (size_t)(rb - s - 1);
		port = rb + 2;
		s++;
	} else {
		const char *colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon) {
			*why = "expected addr:port (write IPv6 as [addr]:port)";
			return -1;
		}
		hlen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		*why = "missing or overlong address";
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	errno = 0;
	pnum = strtoul(port, &end, 10);
	if (*port == '\0' || *end != '\0' || errno != 0 || pnum == 0 || pnum > 65535) {
		*why = "port must be 1..65535";
		return -1;
	}
	if (addr_parse(host, &a) == -1) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	memset(ep, 0, sizeof(*ep));
	if (a.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ep->ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pnum);
		memcpy(&sin->sin_addr, a.a, 4);
		ep->sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ep->ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pnum);
		memcpy(&sin6->sin6_addr, a.a, 16);
		ep->sslen = sizeof(*sin6);
	}
	return 0;
}

const char *endpoint_fmt(const struct endpoint *ep, char *buf, size_t len)
{
	struct addr a;
	char h[ADDR_STRLEN];
	uint16_t port;

	if (addr_from_sockaddr((const struct sockaddr *)&ep->ss, &a) == -1) {
		vx_strlcpy(buf, "?", len);
		return buf;
	}
	if (ep->ss.ss_family == AF_INET6) {
		port = ntohs(((const struct sockaddr_in6 *)&ep->ss)->sin6_port);
		/* addr_from_sockaddr folds v4-mapped; print what was configured */
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&ep->ss)->sin6_addr, h,
		          sizeof(h));
		snprintf(buf, len, "[%s]:%u", h, port);
	} else {
		port = ntohs(((const struct sockaddr_in *)&ep->ss)->sin_port);
		snprintf(buf, len, "%s:%u", addr_fmt(&a, h, sizeof(h)), port);
	}
	return buf;
}
