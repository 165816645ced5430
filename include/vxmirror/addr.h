/*
 * addr.h - IPv4/IPv6 addresses, CIDR prefixes and "addr:port" endpoints.
 *
 * One representation for both families so flow keys, routes and the
 * allowlist need no per-family code.  An IPv4 address is stored in the
 * first 4 bytes of `a`; the rest is zero.
 */
#ifndef VXMIRROR_ADDR_H
#define VXMIRROR_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Large enough for any IPv6 text form, with a port and brackets. */
#define ADDR_STRLEN 48

struct addr {
	uint8_t family; /* AF_INET or AF_INET6, 0 = unset */
	uint8_t a[16];
};

struct cidr {
	struct addr addr; /* host bits are zero */
	uint8_t plen;     /* 0..32 or 0..128 */
};

struct endpoint {
	struct sockaddr_storage ss;
	socklen_t sslen;
};

/* addr_set4/addr_set6: fill from network-order bytes. */
void addr_set4(struct addr *, const uint8_t b[4]);
void addr_set6(struct addr *, const uint8_t b[16]);
bool addr_eq(const struct addr *, const struct addr *);
/* addr_cmp: total order (family, then bytes); for normalising flow keys. */
int addr_cmp(const struct addr *, const struct addr *);
/* addr_fmt: text form into buf (ADDR_STRLEN); returns buf. */
const char *addr_fmt(const struct addr *, char *buf, size_t len);
/* addr_parse: "198.18.0.1" or "2001:db8::1"; 0 on success, -1 otherwise. */
int addr_parse(const char *, struct addr *);
/* addr_from_sockaddr: take the address out of a sockaddr (v4-mapped v6 becomes v4). */
int addr_from_sockaddr(const struct sockaddr *, struct addr *);

/* cidr_parse: "198.18.0.0/15", "2001:db8::/32" or a bare address (host route).
 * Rejects set host bits, so a typo is not silently widened. */
int cidr_parse(const char *, struct cidr *, const char **why);
bool cidr_contains(const struct cidr *, const struct addr *);
const char *cidr_fmt(const struct cidr *, char *buf, size_t len);

/* endpoint_parse: "0.0.0.0:4789", "[::]:4789", "127.0.0.1:9477". */
int endpoint_parse(const char *, struct endpoint *, const char **why);
const char *endpoint_fmt(const struct endpoint *, char *buf, size_t len);

#endif
