/*
 * decode_ipv4.c - IPv4, RFC 791 (DF/MF: RFC 791 section 3.1).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |Flags|      Fragment Offset    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options                    |    Padding    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  Flags: bit 0 reserved, bit 1 DF (0x4000), bit 2 MF (0x2000).
 *
 * A mirrored packet is often cut short: fewer captured bytes than Total
 * Length is PKT_TRUNCATED and decoding goes on with what is there; the
 * true size stays in ip_len.  More captured bytes than Total Length is
 * Ethernet padding (PKT_PADDED) and is not handed to L4.  The header
 * checksum is not verified: the mirror copies the packet as it was.
 */
#include "vxmirror/iphdr.h"
#include "vxmirror/packet.h"
#include "vxmirror/rd.h"
#include "vxmirror/util.h"

#define IP4_HLEN_MIN 20
#define IP4_DF       0x4000
#define IP4_MF       0x2000
#define IP4_OFFMASK  0x1fff

enum decode_err ipv4_header(struct rd *r, struct packet *pkt)
{
	uint8_t vihl, ttl, proto, src[4], dst[4];
	uint16_t tot, id, ff;
	size_t hlen;

	vihl = rd_u8(r);
	rd_skip(r, 1); /* type of service */
	tot = rd_be16(r);
	id = rd_be16(r);
	ff = rd_be16(r);
	ttl = rd_u8(r);
	proto = rd_u8(r);
	rd_skip(r, 2); /* header checksum */
	rd_bytes(r, src, 4);
	rd_bytes(r, dst, 4);
	if (r->err)
		return DEC_IP_SHORT;
	if (vihl >> 4 != 4)
		return DEC_IP_VERSION;
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < IP4_HLEN_MIN)
		return DEC_IP_HLEN;
	if (tot < hlen)
		return DEC_IP_LEN;
	pkt->ipver = 4;
	pkt->ip_hlen = (uint16_t)hlen;
	pkt->ip_len = tot;
	pkt->ip_id = id;
	pkt->ttl = ttl;
	pkt->proto = proto;
	addr_set4(&pkt->src, src);
	addr_set4(&pkt->dst, dst);
	if (ff & IP4_DF)
		pkt->flags |= PKT_DF;
	pkt->frag_off = (uint16_t)((ff & IP4_OFFMASK) * 8);
	if ((ff & IP4_MF) || pkt->frag_off != 0)
		pkt->flags |= PKT_FRAGMENT;
	return DEC_OK;
}

/* ipv4_l4: dispatch the payload (already clipped to Total Length). */
static enum decode_err ipv4_l4(struct packet *pkt, const uint8_t *p, size_t len)
{
	switch (pkt->proto) {
	case IPPROTO_TCP_:
		return decode_tcp(pkt, p, len);
	case IPPROTO_UDP_:
		return decode_udp(pkt, p, len);
	case IPPROTO_ICMP_:
		return decode_icmp(pkt, p, len);
	default:
		return DEC_OK;
	}
}

enum decode_err decode_ipv4(struct packet *pkt, const uint8_t *p, size_t len)
{
	struct rd r;
	enum decode_err e;
	size_t l4len;

	rd_init(&r, p, len);
	if ((e = ipv4_header(&r, pkt)) != DEC_OK)
		return e;
	if (len < pkt->ip_len)
		pkt->flags |= PKT_TRUNCATED;
	else if (len > pkt->ip_len)
		pkt->flags |= PKT_PADDED;
	rd_skip(&r, pkt->ip_hlen - IP4_HLEN_MIN); /* options */
	if (r.err) {
		/* The options themselves were cut: nothing of L4 to look at. */
		pkt->flags |= PKT_TRUNCATED | PKT_L4_TRUNCATED;
		return DEC_OK;
	}
	if (pkt->frag_off != 0)
		return DEC_OK; /* a non-first fragment carries no L4 header */
	pkt->l4_off = (uint16_t)(pkt->l3_off + r.off);
	/* The smaller of what the header says and what was captured. */
	l4len = MIN(rd_left(&r), (size_t)pkt->ip_len - r.off);
	return ipv4_l4(pkt, p + r.off, l4len);
}
