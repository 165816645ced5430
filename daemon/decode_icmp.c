/*
 * decode_icmp.c - ICMP, RFC 792 (Fragmentation Needed MTU: RFC 1191), and
 * ICMPv6, RFC 4443 (Packet Too Big: RFC 8201).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  ICMP: unused (type 3 code 4: |  Next-Hop MTU)                |
 *  |  ICMPv6 type 2: MTU (32 bits)                                 |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Error messages: the offending packet's IP header and at      |
 *  |  least 8 bytes of its L4 header (ICMPv6: as much as fits)     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The quote of an error message goes into pkt->quoted so the analyzer can
 * match it to the flow it hurt.  A quote cut short (by the router or the
 * capture) is normal: whatever is there is kept, and PKT_QUOTED is set
 * once the quoted fixed IP header is complete.  A quote that is not an IP
 * header of the right version (or IHL < 5), or an error message whose
 * length cannot hold one, is DEC_ICMP: no router sends that.  Ports come
 * only from a quoted TCP or UDP first fragment; seq only from TCP.
 * An ICMP length below 8 is DEC_ICMP; fewer than 8 captured bytes is
 * PKT_L4_TRUNCATED (type and code filled if there) without PKT_HAS_L4.
 * The message body after the 8-byte header is the payload (payload_off,
 * payload_len), as for TCP and UDP.
 */
#include <stdbool.h>

#include "vxmirror/packet.h"
#include "vxmirror/rd.h"

#define ICMP_HLEN 8
#define IP4_HLEN  20
#define IP6_HLEN  40

#define ICMP_UNREACH          3
#define ICMP_UNREACH_NEEDFRAG 4
#define ICMP_SOURCEQUENCH     4
#define ICMP_REDIRECT         5
#define ICMP_TIMXCEED         11
#define ICMP_PARAMPROB        12
#define ICMP6_DST_UNREACH     1
#define ICMP6_PACKET_TOO_BIG  2
#define ICMP6_TIME_EXCEEDED   3
#define ICMP6_PARAM_PROB      4
#define IP6_QUOTE_EXT_MAX     8

/* icmp_fixed: type, code and the 4-byte rest of the header into *rest. */
static enum decode_err icmp_fixed(struct packet *pkt, struct rd *r, size_t l4len, uint32_t *rest)
{
	uint8_t type, code;

	if (l4len < ICMP_HLEN)
		return DEC_ICMP;
	type = rd_u8(r);
	code = rd_u8(r);
	if (!r->err) {
		pkt->icmp_type = type;
		pkt->icmp_code = code;
	}
	rd_skip(r, 2); /* checksum */
	*rest = rd_be32(r);
	if (r->err) {
		pkt->flags |= PKT_L4_TRUNCATED;
		return DEC_OK;
	}
	pkt->flags |= PKT_HAS_L4;
	pkt->payload_len = (uint32_t)(l4len - ICMP_HLEN);
	pkt->payload_off = (uint16_t)(pkt->l4_off + ICMP_HLEN);
	return DEC_OK;
}

/* quote_l4: ports (and the TCP seq) of the quoted packet, as far as quoted. */
static void quote_l4(struct quoted *q, struct rd *r)
{
	uint16_t sport, dport;
	uint32_t seq;

	if (q->proto != IPPROTO_TCP_ && q->proto != IPPROTO_UDP_)
		return;
	sport = rd_be16(r);
	dport = rd_be16(r);
	if (r->err)
		return;
	q->sport = sport;
	q->dport = dport;
	q->has_ports = true;
	if (q->proto != IPPROTO_TCP_)
		return;
	seq = rd_be32(r);
	if (r->err)
		return;
	q->seq = seq;
	q->has_seq = true;
}

/* quote_ip4: the IPv4 packet quoted by an ICMP error; qlen is its announced size. */
static enum decode_err quote_ip4(struct packet *pkt, struct rd *r, size_t qlen)
{
	struct quoted *q = &pkt->quoted;
	uint8_t vihl, proto, src[4], dst[4];
	uint16_t tot, ff;

	if (qlen < IP4_HLEN)
		return DEC_ICMP;
	vihl = rd_u8(r);
	rd_skip(r, 1); /* type of service */
	tot = rd_be16(r);
	rd_skip(r, 2); /* identification */
	ff = rd_be16(r);
	rd_skip(r, 1); /* ttl */
	proto = rd_u8(r);
	rd_skip(r, 2); /* checksum */
	rd_bytes(r, src, 4);
	rd_bytes(r, dst, 4);
	if (r->err)
		return DEC_OK; /* quote cut short: nothing usable, not invalid */
	if (vihl >> 4 != 4 || (vihl & 0x0f) < 5)
		return DEC_ICMP;
	q->ipver = 4;
	q->proto = proto;
	q->ip_len = tot;
	addr_set4(&q->src, src);
	addr_set4(&q->dst, dst);
	pkt->flags |= PKT_QUOTED;
	if (ff & 0x1fff)
		return DEC_OK; /* a non-first fragment: no L4 header to quote */
	rd_skip(r, (size_t)(vihl & 0x0f) * 4 - IP4_HLEN);
	quote_l4(q, r);
	return DEC_OK;
}

enum decode_err decode_icmp(struct packet *pkt, const uint8_t *p, size_t len)
{
	struct rd r;
	enum decode_err e;
	size_t l4len = packet_l4_ip_len(pkt, len);
	uint32_t rest;

	rd_init(&r, p, len);
	e = icmp_fixed(pkt, &r, l4len, &rest);
	if (e != DEC_OK || !(pkt->flags & PKT_HAS_L4))
		return e;
	switch (pkt->icmp_type) {
	case ICMP_UNREACH:
		if (pkt->icmp_code == ICMP_UNREACH_NEEDFRAG) {
			pkt->flags |= PKT_PTB;
			pkt->icmp_mtu = rest & 0xffff;
		}
		return quote_ip4(pkt, &r, l4len - ICMP_HLEN);
	case ICMP_SOURCEQUENCH:
	case ICMP_REDIRECT:
	case ICMP_TIMXCEED:
	case ICMP_PARAMPROB:
		return quote_ip4(pkt, &r, l4len - ICMP_HLEN);
	default:
		return DEC_OK;
	}
}

/* ip6_ext_len: the length of IPv6 extension header `nh`, 0 if it is not one. */
static size_t ip6_ext_len(uint8_t nh, uint8_t hdrlen)
{
	switch (nh) {
	case 0:  /* hop-by-hop options */
	case 43: /* routing */
	case 60: /* destination options */
		return ((size_t)hdrlen + 1) * 8;
	case 44: /* fragment */
		return 8;
	case 51: /* authentication header */
		return ((size_t)hdrlen + 2) * 4;
	default:
		return 0;
	}
}

/*
 * quote_ip6_ext: step over the quoted packet's extension headers to its
 * L4 header; false when the quote ends first, the chain is too deep, or
 * the quoted packet is a non-first fragment.
 */
static bool quote_ip6_ext(struct quoted *q, struct rd *r)
{
	size_t start, elen;
	uint8_t next, hdrlen;
	int n;

	for (n = 0; ip6_ext_len(q->proto, 0) != 0; n++) {
		if (n == IP6_QUOTE_EXT_MAX)
			return false;
		start = r->off;
		next = rd_u8(r);
		hdrlen = rd_u8(r);
		if (q->proto == 44 && (rd_be16(r) & 0xfff8) != 0)
			return false;
		elen = ip6_ext_len(q->proto, hdrlen);
		rd_skip(r, elen - (r->off - start));
		if (r->err)
			return false;
		q->proto = next;
	}
	return true;
}

/* quote_ip6: the IPv6 packet quoted by an ICMPv6 error; qlen is its announced size. */
static enum decode_err quote_ip6(struct packet *pkt, struct rd *r, size_t qlen)
{
	struct quoted *q = &pkt->quoted;
	uint8_t nh, src[16], dst[16];
	uint32_t vtcfl;
	uint16_t plen;

	if (qlen < IP6_HLEN)
		return DEC_ICMP;
	vtcfl = rd_be32(r);
	plen = rd_be16(r);
	nh = rd_u8(r);
	rd_skip(r, 1); /* hop limit */
	rd_bytes(r, src, 16);
	rd_bytes(r, dst, 16);
	if (r->err)
		return DEC_OK; /* quote cut short: nothing usable, not invalid */
	if (vtcfl >> 28 != 6)
		return DEC_ICMP;
	q->ipver = 6;
	q->proto = nh;
	q->ip_len = IP6_HLEN + (uint32_t)plen;
	addr_set6(&q->src, src);
	addr_set6(&q->dst, dst);
	pkt->flags |= PKT_QUOTED;
	if (quote_ip6_ext(q, r))
		quote_l4(q, r);
	return DEC_OK;
}

enum decode_err decode_icmp6(struct packet *pkt, const uint8_t *p, size_t len)
{
	struct rd r;
	enum decode_err e;
	size_t l4len = packet_l4_ip_len(pkt, len);
	uint32_t rest;

	rd_init(&r, p, len);
	e = icmp_fixed(pkt, &r, l4len, &rest);
	if (e != DEC_OK || !(pkt->flags & PKT_HAS_L4))
		return e;
	switch (pkt->icmp_type) {
	case ICMP6_PACKET_TOO_BIG:
		pkt->flags |= PKT_PTB;
		pkt->icmp_mtu = rest;
		return quote_ip6(pkt, &r, l4len - ICMP_HLEN);
	case ICMP6_DST_UNREACH:
	case ICMP6_TIME_EXCEEDED:
	case ICMP6_PARAM_PROB:
		return quote_ip6(pkt, &r, l4len - ICMP_HLEN);
	default:
		return DEC_OK;
	}
}
