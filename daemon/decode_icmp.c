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
 * once the quoted fixed IP header is complete.  The quote is parsed with
 * the packet decoder's own IPv4/IPv6 header and extension-header parsers
 * (iphdr.h).  A quote that is not an IP header of the right version (IHL
 * < 5, total length < IHL*4), or an error message whose length cannot hold
 * one, is DEC_ICMP: no router sends that.  Ports come
 * only from a quoted TCP or UDP first fragment; seq only from TCP.
 * An ICMP length below 8 is DEC_ICMP; fewer than 8 captured bytes is
 * PKT_L4_TRUNCATED (type and code filled if there) without PKT_HAS_L4.
 * The message body after the 8-byte header is the payload (payload_off,
 * payload_len), as for TCP and UDP.
 */
#include <stdbool.h>

#include "vxmirror/iphdr.h"
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

	if (!packet_proto_has_ports(q->proto))
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

/*
 * quote_ip: what an error quotes of the offending packet's IP header, read
 * into a scratch packet `h` with the packet decoder's own parser.  A quote
 * cut short inside the fixed header is normal (nothing usable, DEC_OK); a
 * header that is not IP of the version expected, or is inconsistent, is
 * DEC_ICMP.
 */
static enum decode_err quote_ip(struct quoted *q, const struct packet *h, enum decode_err e,
                                bool cut)
{
	if (cut)
		return DEC_OK;
	if (e != DEC_OK)
		return DEC_ICMP;
	q->ipver = h->ipver;
	q->proto = h->proto;
	q->ip_len = h->ip_len;
	q->src = h->src;
	q->dst = h->dst;
	return DEC_OK;
}

/* quote_ip4: the IPv4 packet quoted by an ICMP error; qlen is its announced size. */
static enum decode_err quote_ip4(struct packet *pkt, struct rd *r, size_t qlen)
{
	struct packet h = {0};
	enum decode_err e;

	if (qlen < IP4_HLEN)
		return DEC_ICMP;
	e = ipv4_header(r, &h);
	if ((e = quote_ip(&pkt->quoted, &h, e, r->err)) != DEC_OK || r->err)
		return e;
	pkt->flags |= PKT_QUOTED;
	if (h.frag_off != 0)
		return DEC_OK; /* a non-first fragment: no L4 header to quote */
	rd_skip(r, (size_t)h.ip_hlen - IP4_HLEN);
	quote_l4(&pkt->quoted, r);
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

/* quote_ip6: the IPv6 packet quoted by an ICMPv6 error; qlen is its announced size. */
static enum decode_err quote_ip6(struct packet *pkt, struct rd *r, size_t qlen)
{
	struct packet h = {0};
	enum decode_err e;

	if (qlen < IP6_HLEN)
		return DEC_ICMP;
	e = ipv6_header(r, &h);
	if ((e = quote_ip(&pkt->quoted, &h, e, r->err)) != DEC_OK || r->err)
		return e;
	pkt->flags |= PKT_QUOTED;
	/* Ports only when the chain is whole, first fragment, within the quote. */
	e = ipv6_ext_walk(r, &h);
	pkt->quoted.proto = h.proto;
	if (e == DEC_OK && !r->err && h.frag_off == 0)
		quote_l4(&pkt->quoted, r);
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
