/*
 * decode_ipv6.c - IPv6, RFC 8200 (extension headers: section 4; AH: RFC 4302).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Source Address (16 bytes)                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |             Destination Address (16 bytes)                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  Hop-by-hop (0), Routing (43), Destination options (60):
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Next Header  |  Hdr Ext Len  |  (Hdr Ext Len + 1) * 8 bytes  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Fragment (44), always 8 bytes:
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Identification                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Authentication header (51): Payload Len is in 4-byte units, minus 2.
 *
 * Routers never fragment IPv6, so every IPv6 packet counts as DF.  An
 * extension header that runs past the Payload Length is invalid
 * (DEC_IP6_EXT); one that runs past the captured bytes but not past the
 * Payload Length is truncation (PKT_L4_TRUNCATED, DEC_OK).  Jumbograms
 * (RFC 2675, Payload Length 0) are not supported and come out as
 * DEC_IP6_EXT.  A Payload Length too small for the L4 header that follows
 * is rejected by the L4 decoder (DEC_TCP_OFF, DEC_UDP_LEN, DEC_ICMP).
 * When the capture ends inside the chain, proto is the extension header
 * it ended in and ip_hlen covers the headers that were complete.
 */
#include <stdbool.h>

#include "vxmirror/iphdr.h"
#include "vxmirror/packet.h"
#include "vxmirror/rd.h"
#include "vxmirror/util.h"

#define IP6_HLEN    40
#define IP6_EXT_MAX 8 /* bound the walk over hostile chains */

#define IP6_HOPOPTS  0
#define IP6_ROUTING  43
#define IP6_FRAGMENT 44
#define IP6_AH       51
#define IP6_DSTOPTS  60

/* ipv6_is_ext: true for the extension headers this decoder steps over. */
static bool ipv6_is_ext(uint8_t nh)
{
	switch (nh) {
	case IP6_HOPOPTS:
	case IP6_ROUTING:
	case IP6_FRAGMENT:
	case IP6_AH:
	case IP6_DSTOPTS:
		return true;
	default:
		return false;
	}
}

/* ipv6_ext_len: the length in bytes of an extension header. */
static size_t ipv6_ext_len(uint8_t nh, uint8_t hdrlen)
{
	switch (nh) {
	case IP6_FRAGMENT:
		return 8;
	case IP6_AH:
		return ((size_t)hdrlen + 2) * 4;
	default:
		return ((size_t)hdrlen + 1) * 8;
	}
}

/* ipv6_frag: the rest of a fragment header, after next header and reserved. */
static void ipv6_frag(struct packet *pkt, struct rd *r)
{
	uint16_t offm = rd_be16(r);
	uint32_t id = rd_be32(r);

	if (r->err)
		return;
	pkt->ip_id = id;
	pkt->frag_off = offm & 0xfff8; /* 13 bits of 8-byte units, already scaled */
	if (pkt->frag_off != 0 || (offm & 1))
		pkt->flags |= PKT_FRAGMENT;
}

/* ipv6_ext_one: step over one extension header of type pkt->proto. */
static enum decode_err ipv6_ext_one(struct packet *pkt, struct rd *r)
{
	size_t elen;
	uint8_t next, hdrlen;

	if (pkt->ip_hlen + 2u > pkt->ip_len)
		return DEC_IP6_EXT;
	next = rd_u8(r);
	hdrlen = rd_u8(r);
	if (r->err)
		return DEC_OK; /* truncated; the caller sees r->err */
	elen = ipv6_ext_len(pkt->proto, hdrlen);
	if (pkt->ip_hlen + elen > pkt->ip_len)
		return DEC_IP6_EXT;
	if (pkt->proto == IP6_FRAGMENT)
		ipv6_frag(pkt, r);
	else
		rd_skip(r, elen - 2);
	if (!r->err) {
		pkt->proto = next;
		pkt->ip_hlen = (uint16_t)(pkt->ip_hlen + elen);
	}
	return DEC_OK;
}

enum decode_err ipv6_ext_walk(struct rd *r, struct packet *pkt)
{
	enum decode_err e;
	int n;

	for (n = 0; ipv6_is_ext(pkt->proto); n++) {
		if (n == IP6_EXT_MAX)
			return DEC_IP6_EXT;
		if ((e = ipv6_ext_one(pkt, r)) != DEC_OK || r->err)
			return e;
		if (pkt->frag_off != 0)
			break; /* what follows is the middle of someone's payload */
	}
	return DEC_OK;
}

enum decode_err ipv6_header(struct rd *r, struct packet *pkt)
{
	uint8_t nh, hlim, src[16], dst[16];
	uint32_t vtcfl;
	uint16_t plen;

	vtcfl = rd_be32(r);
	plen = rd_be16(r);
	nh = rd_u8(r);
	hlim = rd_u8(r);
	rd_bytes(r, src, 16);
	rd_bytes(r, dst, 16);
	if (r->err)
		return DEC_IP_SHORT;
	if (vtcfl >> 28 != 6)
		return DEC_IP_VERSION;
	pkt->ipver = 6;
	pkt->ttl = hlim;
	pkt->proto = nh;
	pkt->ip_hlen = IP6_HLEN;
	pkt->ip_len = IP6_HLEN + (uint32_t)plen;
	pkt->flags |= PKT_DF; /* routers never fragment IPv6 */
	addr_set6(&pkt->src, src);
	addr_set6(&pkt->dst, dst);
	return DEC_OK;
}

/* ipv6_l4: dispatch the payload (already clipped to the Payload Length). */
static enum decode_err ipv6_l4(struct packet *pkt, const uint8_t *p, size_t len)
{
	switch (pkt->proto) {
	case IPPROTO_TCP_:
		return decode_tcp(pkt, p, len);
	case IPPROTO_UDP_:
		return decode_udp(pkt, p, len);
	case IPPROTO_ICMP6_:
		return decode_icmp6(pkt, p, len);
	default:
		return DEC_OK;
	}
}

enum decode_err decode_ipv6(struct packet *pkt, const uint8_t *p, size_t len)
{
	struct rd r;
	enum decode_err e;

	rd_init(&r, p, len);
	if ((e = ipv6_header(&r, pkt)) != DEC_OK)
		return e;
	if (len < pkt->ip_len)
		pkt->flags |= PKT_TRUNCATED;
	else if (len > pkt->ip_len)
		pkt->flags |= PKT_PADDED;
	/* From here on, read only what was both sent and captured. */
	rd_init(&r, p, MIN(len, (size_t)pkt->ip_len));
	rd_skip(&r, IP6_HLEN);
	if ((e = ipv6_ext_walk(&r, pkt)) != DEC_OK)
		return e;
	if (r.err) {
		pkt->flags |= PKT_TRUNCATED | PKT_L4_TRUNCATED;
		return DEC_OK;
	}
	if (pkt->frag_off != 0)
		return DEC_OK;
	pkt->l4_off = (uint16_t)(pkt->l3_off + r.off);
	return ipv6_l4(pkt, p + r.off, rd_left(&r));
}
