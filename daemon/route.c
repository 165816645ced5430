/*
 * route.c - the path MTU towards an address: longest-prefix match over a
 * session's routes, else the session's path_mtu.
 *
 * A linear scan: a session has a handful of routes.  Only the same address
 * family matches (cidr_contains), so IPv4 routes never shadow IPv6 ones.
 */
#include <stdio.h>

#include "vxmirror/analyzer.h"
#include "vxmirror/util.h"

const struct route_conf *route_match(const struct session_conf *sess, const struct addr *dst)
{
	const struct route_conf *best = NULL;

	for (size_t i = 0; i < sess->nroutes; i++) {
		const struct route_conf *r = &sess->routes[i];
		if (cidr_contains(&r->prefix, dst) &&
		    (best == NULL || r->prefix.plen > best->prefix.plen))
			best = r;
	}
	return best;
}

uint32_t path_mtu_lookup(const struct session_conf *sess, const struct addr *dst, char *from,
                         size_t fromlen)
{
	const struct route_conf *best = route_match(sess, dst);
	char buf[ADDR_STRLEN + 8];

	if (best != NULL) {
		if (from != NULL)
			snprintf(from, fromlen, "route %s",
			         cidr_fmt(&best->prefix, buf, sizeof(buf)));
		return best->mtu;
	}
	if (from != NULL)
		vx_strlcpy(from, sess->path_mtu != 0 ? "session path_mtu" : "", fromlen);
	return sess->path_mtu;
}
